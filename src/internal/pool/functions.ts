/**
 * The functions a pool's workers call: each target checked and prepared once,
 * given an id and the DEFINE frame a worker is sent before its first task
 * that calls it.
 */
import { Effect } from "effect"
import type { InvalidTargetError, UnportableFunctionError } from "../../Errors.js"
import * as Target from "../../Target.js"
import { encodeLean } from "../codec/codec.js"
import { prepareTarget, targetSpec } from "../process/targetSpec.js"
import { controlFrame, DEFINE, type DefineMessage } from "../child/workerChannel.js"

export interface PoolFunction {
  readonly id: number
  readonly name: string
  readonly define: Buffer
  /** Its recent time per task, once measured: how far ahead a worker may be sent its tasks. */
  paceMs: number | undefined
}

/** Distinct inline functions remembered by their source (a fresh closure per call has the same source). */
const MAX_INLINE_SOURCES = 1024

const moduleKey = (target: Target.ModuleTarget) => {
  const { exportName, url } = target[Target.ModuleTargetTypeId]
  return `${url}#${exportName}`
}

export class PoolFunctions {
  private nextId = 1
  private readonly inline = new WeakMap<Function, PoolFunction>()
  private readonly inlineSources = new Map<string, PoolFunction>()
  private readonly modules = new Map<string, PoolFunction>()

  /** The function `target` names, if it was registered already (an inline one by identity: the cheap check). */
  known(target: Target.Target): PoolFunction | undefined {
    return Target.isModuleTarget(target)
      ? this.modules.get(moduleKey(target))
      : typeof target === "function"
      ? this.inline.get(target)
      : undefined
  }

  /** The function `target` names, checked and registered once: a module export by URL, an inline function by its source. */
  of(target: Target.Target): Effect.Effect<PoolFunction, UnportableFunctionError | InvalidTargetError> {
    return Effect.suspend(() => {
      const known = this.known(target)
      if (known !== undefined) return Effect.succeed(known)
      const source = typeof target === "function" ? `${target.name}\0${Function.prototype.toString.call(target)}` : undefined
      const same = source === undefined ? undefined : this.inlineSources.get(source)
      if (same !== undefined) {
        this.inline.set(target as Function, same)
        return Effect.succeed(same)
      }
      return Effect.gen(this, function*() {
        const spec = yield* targetSpec(target, "task")
        const { target: prepared, typescriptLoader } = yield* prepareTarget(spec)
        const id = this.nextId++
        const message: DefineMessage = { id, target: prepared, ...(typescriptLoader === undefined ? {} : { typescriptLoader }) }
        const fn: PoolFunction = { id, name: prepared.name, define: controlFrame(DEFINE, encodeLean(message)), paceMs: undefined }
        if (Target.isModuleTarget(target)) {
          this.modules.set(moduleKey(target), fn)
        } else {
          this.inline.set(target as Function, fn)
          if (this.inlineSources.size >= MAX_INLINE_SOURCES) this.inlineSources.clear()
          this.inlineSources.set(source!, fn)
        }
        return fn
      })
    })
  }
}
