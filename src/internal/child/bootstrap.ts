/**
 * The entry point of every child process. Kept to plain Node: it is what a
 * process start costs beyond `node` itself, so it loads Effect only when a
 * target returns an Effect and tsx only when the target module is TypeScript.
 *
 * Sequence: read the Start message from the control channel, publish the
 * process identity, load the target, run it, send its outcome, exit with
 * Python's codes (0 on return, 1 on an uncaught failure, whatever the target
 * passes to `process.exit`). The control channel's end means the parent is
 * gone: the child exits then too.
 */
import { createRequire } from "node:module"
import * as net from "node:net"
import * as path from "node:path"
import { decode, encode, errorToData, type ErrorData } from "../codec.js"
import { FrameDecoder, frame } from "../framing.js"
import {
  CONTROL_FD,
  CURRENT_PROCESS_KEY,
  type OutcomeMessage,
  ResultNotSerializable,
  type StartMessage,
  TargetLoadFailed,
  type TargetSpec
} from "../protocol.js"
import { installChildHelpers } from "./helpers.js"

const control = new net.Socket({ fd: CONTROL_FD, readable: true, writable: true })
const frames = new FrameDecoder()
let started = false

control.on("data", (chunk: Buffer) => {
  for (const payload of frames.push(chunk)) {
    if (started) continue
    started = true
    // The channel stays referenced while the target runs: a target awaiting a promise
    // that nothing else keeps pending runs until it settles or the parent goes, as in Python.
    void run(decode(payload) as StartMessage)
  }
})
const parentGone = () => process.exit(1)
control.on("end", parentGone)
control.on("error", parentGone)

const run = async (start: StartMessage): Promise<void> => {
  ;(globalThis as Record<symbol, unknown>)[CURRENT_PROCESS_KEY] = start.process
  process.title = start.process.name
  let target: (...args: Array<unknown>) => unknown
  try {
    target = await loadTarget(start.target, start.typescriptLoader)
  } catch (error) {
    return fail(start, { ...errorToData(error), tag: TargetLoadFailed })
  }
  let value: unknown
  try {
    value = await settle(target(...start.args))
  } catch (error) {
    return fail(start, errorToData(error))
  }
  let payload: Uint8Array
  try {
    payload = encode({ _tag: "Returned", value } satisfies OutcomeMessage)
  } catch (error) {
    return fail(start, {
      ...errorToData(error),
      tag: ResultNotSerializable,
      message: `the value returned by ${start.target.name} cannot be sent to the parent: ${(error as Error).message}`
    })
  }
  finish(payload, 0)
}

const loadTarget = async (spec: TargetSpec, typescriptLoader: string | undefined) => {
  if (spec._tag === "Inline") {
    installChildHelpers(createRequire(path.join(process.cwd(), "noop.js")))
    // sourceURL names the function in the child's stack traces instead of "eval at loadTarget".
    return (0, eval)(`(${spec.expression})\n//# sourceURL=inline:${encodeURIComponent(spec.name)}`)
  }
  if (typescriptLoader !== undefined) {
    const tsx = (await import(typescriptLoader)) as { register: () => unknown }
    tsx.register()
  }
  const module = (await import(spec.url)) as Record<string, unknown>
  const exported = module[spec.exportName]
  if (exported === undefined) {
    const available = Object.keys(module).filter((key) => typeof module[key] === "function")
    throw new Error(
      `module ${spec.url} has no export named "${spec.exportName}"` +
        (available.length > 0 ? ` (its function exports: ${available.join(", ")})` : "")
    )
  }
  if (typeof exported !== "function") {
    throw new Error(`export "${spec.exportName}" of ${spec.url} is a ${typeof exported}, not a function`)
  }
  return exported as (...args: Array<unknown>) => unknown
}

const EffectTypeId = Symbol.for("effect/Effect")

/** A target may return a value, a Promise or an Effect; this waits for the value. */
const settle = async (result: unknown): Promise<unknown> => {
  const value = await result
  if (typeof value !== "object" || value === null || !(EffectTypeId in value)) return value
  const { Effect, Exit, Cause, Option } = await import("effect")
  const exit = await Effect.runPromiseExit(value as unknown as import("effect").Effect.Effect<unknown, unknown>)
  if (Exit.isSuccess(exit)) return exit.value
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) throw failure.value
  throw Cause.squash(exit.cause)
}

const fail = (start: StartMessage, error: ErrorData) => {
  process.stderr.write(`Process ${start.process.name}:\n${error.stack ?? `${error.name}: ${error.message}`}\n`)
  let payload: Uint8Array
  try {
    payload = encode({ _tag: "Raised", error } satisfies OutcomeMessage)
  } catch {
    payload = encode({ _tag: "Raised", error: { ...error, fields: {} } } satisfies OutcomeMessage)
  }
  finish(payload, 1)
}

const finish = (payload: Uint8Array, code: number) => {
  control.off("end", parentGone)
  control.write(frame(payload), () => process.exit(code))
}
