/**
 * Errors across processes: a library error raised in another process (a
 * Process target, a pool task, a served object's owner, a manager's object)
 * arrives as its own class in both faces; anything else arrives as a
 * RemoteError with its type, message, stack and cause chain.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Arbitrary, Effect, Exit, FastCheck as fc, ManagedRuntime, Schema, Scope } from "effect"
import { Errors, Manager, NodeMultiprocessing, Process, ProcessPool, Semaphore, Target } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"

interface Fixtures {
  raiseIt(name: string, values: Record<string, unknown>): never
  failDeep(): never
  makeRaiser(): { raiseIt(name: string, values: Record<string, unknown>): never; failDeep(): never }
}
const fixtures = Target.module<Fixtures>(new URL("./fixtures/errors.mjs", import.meta.url))
// Inside an inline target the library is imported by a computed name: vitest would rewrite a
// literal one to a path the child cannot resolve.
/** A registered type's proxy: its methods as Effects. */
type RaiserProxy = { readonly [K in "raiseIt" | "failDeep"]: (...args: Array<unknown>) => Effect.Effect<never, unknown> }

type ErrorClass = (new(fields: any) => Error & { readonly _tag: string }) & { readonly fields: Schema.Struct.Fields }

/** Every error class of the Errors module, from its exports (as the library derives its own map). */
const errorClasses = (Object.entries(Errors) as Array<[string, unknown]>).filter(
  (entry): entry is [string, ErrorClass] => typeof entry[1] === "function" && entry[1].prototype instanceof Error
)

/**
 * A class and fields for it, from its Schema. `cause` (undefined: a cause
 * chain is tested on its own below) and RemoteError's `fields` get simpler
 * schemas than `Unknown`, so that equality is plain.
 */
const libraryError = fc.constantFrom(...errorClasses).chain(([name, Class]) => {
  const { _tag: _, ...fields } = Class.fields
  const overrides: Schema.Struct.Fields = {
    ...("cause" in fields ? { cause: Schema.Undefined } : {}),
    ...(name === "RemoteError" ? { fields: Schema.Record({ key: Schema.String, value: Schema.Number }) } : {})
  }
  return Arbitrary.make(Schema.Struct({ ...fields, ...overrides })).map((values) => ({ name, Class, values }))
})

const expectOwnClass = (arrived: unknown, { Class, values }: { Class: ErrorClass; values: Record<string, unknown> }) => {
  const expected = new Class(values)
  expect(arrived).toBeInstanceOf(Class)
  expect((arrived as Errors.MultiprocessingError)._tag).toBe(expected._tag)
  expect({ ...(arrived as object) }).toEqual({ ...expected })
  expect((arrived as Error).message).toBe(expected.message)
  // The stack is the one where it was raised, in the other process.
  expect((arrived as Error).stack).toContain("raiseIt")
}

describe("a library error raised in another process arrives as its own class", () => {
  const runtime = ManagedRuntime.make(NodeMultiprocessing.layer)
  const scope = Effect.runSync(Scope.make())
  let pool: ProcessPool.Pool
  let compatPool: compat.Pool
  let raiser: RaiserProxy
  let compatManager: compat.BaseManager
  let compatRaiser: { raiseIt(name: string, values: unknown): Promise<never> }

  beforeAll(async () => {
    pool = await runtime.runPromise(Scope.extend(ProcessPool.make({ processes: 1 }), scope))
    compatPool = new compat.Pool(1)
    const manager = await runtime.runPromise(Scope.extend(Manager.make({ register: { Raiser: fixtures.makeRaiser } }), scope))
    raiser = (await runtime.runPromise(manager.create("Raiser"))) as unknown as RaiserProxy
    class RaiserManager extends compat.BaseManager {}
    RaiserManager.register("Raiser", fixtures.makeRaiser)
    compatManager = new RaiserManager()
    await compatManager.start()
    compatRaiser = await compatManager.create("Raiser")
  })
  afterAll(async () => {
    await compatManager?.shutdown()
    compatPool?.terminate()
    await compatPool?.join()
    await runtime.runPromise(Scope.close(scope, Exit.void))
    await runtime.dispose()
  })

  it.live.prop("in a pool task, both faces", [libraryError], ([error]) =>
    Effect.promise(async () => {
      expectOwnClass(await runtime.runPromise(Effect.flip(pool.apply(fixtures.raiseIt, [error.name, error.values]))), error)
      // The compat face raises an InputError's cause, as Python raises what the input raised.
      if (error.name === "InputError") return
      expectOwnClass(await compatPool.apply(fixtures.raiseIt, [error.name, error.values]).catch((e: unknown) => e), error)
    }), { fastCheck: { numRuns: 60 } })

  it.live.prop("in a manager's object (a served call), both faces", [libraryError], ([error]) =>
    Effect.promise(async () => {
      expectOwnClass(await runtime.runPromise(Effect.flip(raiser.raiseIt(error.name, error.values))), error)
      expectOwnClass(await compatRaiser.raiseIt(error.name, error.values).catch((e: unknown) => e), error)
    }), { fastCheck: { numRuns: 60 } })

  it.live.prop("in a Process target, both faces", [libraryError], ([error]) =>
    Effect.promise(async () => {
      const run = Process.run({ target: fixtures.raiseIt, args: [error.name, error.values] })
      expectOwnClass(await runtime.runPromise(Effect.flip(run)), error)
      const child = new compat.Process({ target: fixtures.raiseIt, args: [error.name, error.values] })
      child.start()
      expectOwnClass(await child.result().catch((e: unknown) => e), error)
      child.close()
    }), { fastCheck: { numRuns: 3 } })

  it.live("a Semaphore released too often in a child: the owner's ValueError reaches the child as ValueError, both faces", () =>
    Effect.gen(function*() {
      const semaphore = yield* Semaphore.makeBounded(1)
      const inChild = yield* Process.run({
        target: async (semaphore: Semaphore.Semaphore) => {
          const { Effect } = await import("effect")
          const { ValueError } = await import(["effect", "multiprocessing"].join("-"))
          const error = await Effect.runPromise(Effect.flip(semaphore.release))
          return { own: error instanceof ValueError, tag: error._tag, message: error.message }
        },
        args: [semaphore]
      })
      expect(inChild).toMatchObject({ own: true, tag: "ValueError" })
      expect(inChild.message).toMatch(/released too many times/)
      const compatSemaphore = new compat.BoundedSemaphore(1)
      const child = new compat.Process({
        target: async (semaphore: compat.BoundedSemaphore) => {
          const { ValueError } = await import(["effect-multiprocessing", "compat"].join("/"))
          const error = await semaphore.release().catch((e: unknown) => e)
          return { own: error instanceof ValueError, tag: (error as { _tag?: string })._tag }
        },
        args: [compatSemaphore]
      })
      child.start()
      expect(yield* Effect.promise(() => child.result())).toEqual({ own: true, tag: "ValueError" })
      child.close()
      compatSemaphore.close()
    }).pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
})

describe("a user's error arrives as RemoteError with its type, message, stack and cause chain", () => {
  /** What `failDeep` raised, as it arrives from the process named like `processName`. */
  const expectChain = (error: unknown, processName: RegExp) => {
    expect(error).toBeInstanceOf(Errors.RemoteError)
    const remote = error as Errors.RemoteError
    expect(remote).toMatchObject({ _tag: "RemoteError", type: "QuotaError", message: "over quota", fields: { limit: 3 } })
    expect(remote.remoteStack).toMatch(/^Error: over quota\n\s+at \S*failDeep/)
    expect(remote.pid).not.toBe(process.pid)
    expect(remote.processName).toMatch(processName)
    const cause = remote.cause as Errors.RemoteError
    expect(cause).toBeInstanceOf(Errors.RemoteError)
    expect(cause).toMatchObject({ type: "RangeError", message: "the counter overflowed", pid: remote.pid })
    expect(cause.remoteStack).toMatch(/^RangeError: the counter overflowed\n\s+at \S*failDeep/)
    expect(cause.cause).toBeInstanceOf(Errors.ValueError)
    expect(cause.cause).toMatchObject({ _tag: "ValueError", message: "bad count" })
  }

  it.live("from a Process target, a pool task and a manager's object (Effect face)", () =>
    Effect.gen(function*() {
      expectChain(yield* Effect.flip(Process.run({ target: fixtures.failDeep })), /^Process-/)
      const pool = yield* ProcessPool.make({ processes: 1 })
      expectChain(yield* Effect.flip(pool.apply(fixtures.failDeep, [])), /^SpawnPoolWorker-/)
      const manager = yield* Manager.make({ register: { Raiser: fixtures.makeRaiser } })
      const raiser = (yield* manager.create("Raiser")) as unknown as RaiserProxy
      expectChain(yield* Effect.flip(raiser.failDeep()), /Manager/)
    }).pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))

  it.live("from a Process target and a pool task (compat face)", () =>
    Effect.promise(async () => {
      const child = new compat.Process({ target: fixtures.failDeep })
      child.start()
      expectChain(await child.result().catch((e: unknown) => e), /^Process-/)
      child.close()
      const pool = new compat.Pool(1)
      try {
        expectChain(await pool.apply(fixtures.failDeep).catch((e: unknown) => e), /^SpawnPoolWorker-/)
      } finally {
        pool.terminate()
        await pool.join()
      }
    }))
})

describe("a compat error's stack starts at its caller's call, without the library's frames", () => {
  const thisFile = new URL(import.meta.url).pathname.split("/").pop()!
  const libraryRoot = new URL("../", import.meta.url).pathname
  /** The error the call throws or rejects with, awaited as a program would. */
  const thrownBy = async (call: () => unknown): Promise<Error> => {
    try {
      await call()
    } catch (error) {
      return error as Error
    }
    throw new Error("expected the call to fail")
  }
  const expectCallersStack = (error: Error, tag: string) => {
    expect((error as { _tag?: string })._tag ?? error.name).toBe(tag)
    const frames = String(error.stack).split("\n").filter((line) => /^\s+at /.test(line))
    expect(frames[0], String(error.stack)).toContain(thisFile)
    // No frame of the library (built or source) or effect's runtime anywhere; the caller's own callers follow it.
    for (const internal of [libraryRoot + "src/", libraryRoot + "dist/", "node_modules/effect/"]) {
      expect(frames.filter((frame) => frame.includes(internal)), String(error.stack)).toEqual([])
    }
    expect(String(error.stack).split("\n")[0]).toBe(`${error.name}: ${error.message}`.split("\n")[0])
  }

  it("thrown at once (start's check), settled at once (a release), after a wait in a fiber, from a socket's callback, and from the face itself", async () => {
    const local = 1
    expectCallersStack(await thrownBy(() => new compat.Process({ target: () => local }).start()), "UnportableFunctionError")

    const lock = new compat.Lock()
    expectCallersStack(await thrownBy(() => lock.release()), "ValueError")

    const queue = new compat.Queue<number>()
    try {
      expectCallersStack(await thrownBy(() => queue.get({ timeout: 0.01 })), "Empty")
    } finally {
      queue.close()
    }

    const [left, right] = await compat.Pipe()
    right.close()
    expectCallersStack(await thrownBy(() => left.recv()), "EOFError")
    left.close()

    const pool = new compat.Pool(1)
    try {
      expectCallersStack(await thrownBy(() => pool.apply(fixtures.failDeep)), "RemoteError")
      const late = pool.applyAsync((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)), [200])
      expectCallersStack(await thrownBy(() => late.get(0.01)), "TimeoutError")
    } finally {
      pool.terminate()
      await pool.join()
    }
  })
})
