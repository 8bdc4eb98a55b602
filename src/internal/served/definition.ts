/**
 * A shared object defined once: its kind, its owner's state, and a table of
 * its operations, each saying how a call from another process crosses the
 * wire. From that one definition come the owner's dispatch (`serve`) and the
 * calls every holder makes (`SharedObject.call`): the owner runs an operation
 * as a plain call on its state, another process through the owner's channel.
 * The public methods are one-liners over `call`, wrapped in `operation` (see
 * faces.ts) so the compat face can settle what is done at once without a fiber.
 */
import { Effect, Exit, type Pipeable } from "effect"
import { pipeArguments } from "effect/Pipeable"
import { ValueError } from "../../Errors.js"
import { operation, StartNowKey } from "../faces.js"
import { tracedOperation } from "../spans.js"
import { pack } from "../wire/itemBatch.js"
import { type Backend, fiberCaller, local, type Primitive, PrimitiveTypeId, processCaller } from "./backend.js"
import { type Accept, channel, type Undo } from "./channel.js"
import type { Client, Served } from "./server.js"

/** One operation, as the owner runs it. */
export interface Operation<S> {
  /**
   * How a call from another process crosses: "awaited" (the default) sends it
   * and waits for the reply; "posted" sends it without waiting — only for an
   * operation that cannot fail at the owner and whose caller needs no answer.
   */
  readonly crosses?: "awaited" | "posted"
  /** Runs it for `caller` at once: an Exit when it is done, else an Effect that waits. */
  readonly run: (state: S, args: ReadonlyArray<any>, caller: string, client: Client | undefined) => Effect.Effect<unknown, unknown>
}

export interface Definition<S> {
  /** The kind a reference carries ("Event", "Barrier:3" …); the first word names it in messages. */
  readonly kind: (state: S) => string
  readonly operations: Readonly<Record<string, Operation<S>>>
  /** A waiting call whose caller's process has gone ended with `exit`: give back what it took. */
  readonly abandon?: (state: S, method: string, caller: string, exit: Exit.Exit<unknown, unknown>) => void
  /** The process `pid` has gone: release what its callers still hold. */
  readonly clientGone?: (state: S, pid: string, client: Client) => void
  /** It is served no more. */
  readonly unregistered?: (state: S) => void
}

/** The owner's dispatch of `definition` over `state`. */
export const serve = <S>(definition: Definition<S>, state: S): Served => {
  const kind = definition.kind(state)
  return {
    kind,
    unsafeCall: (method, args, caller, client) => {
      const op = Object.hasOwn(definition.operations, method) ? definition.operations[method] : undefined
      if (op === undefined) return Exit.fail(new ValueError({ message: `${kind.split(":")[0]} has no operation ${method}` }))
      return op.run(state, args, caller, client)
    },
    ...(definition.abandon && { abandon: (method, caller, exit) => definition.abandon!(state, method, caller, exit) }),
    ...(definition.clientGone && { clientGone: (pid, client) => definition.clientGone!(state, pid, client) }),
    ...(definition.unregistered && { unregistered: () => definition.unregistered!(state) })
  }
}

/** `self` mapped by `f`, still an Exit when it is one (so the fast path stays one). */
export const mapNow = <A, B, E>(self: Effect.Effect<A, E>, f: (a: A) => B): Effect.Effect<B, E> =>
  Exit.isExit(self) ? Exit.map(self as Exit.Exit<A, E>, f) : Effect.map(self, f)

/**
 * An operation that acts for its holder, as a lock's does (who holds an
 * RLock, who waits on a Condition): run as an Effect, for the fiber's owner
 * (see `asOwner`); started by the compat face, for its task (see `asTask`).
 */
export const owned = <A, E, R = never>(start: (caller: string) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Object.assign(fiberCaller(start), { [StartNowKey]: () => start(processCaller()) })

/** The owner's backend of a new object: `state` served by this process. */
export const serveLocal = <S>(definition: Definition<S>, state: S): Backend => local(serve(definition, state))

/**
 * What every holder of a shared object is: its backend (the owner's own, or
 * a channel to the owner) and its definition's table, which says how each
 * call crosses.
 */
export abstract class SharedObject implements Primitive, Pipeable.Pipeable {
  readonly [PrimitiveTypeId]: Backend

  constructor(backend: Backend, private readonly operations: Readonly<Record<string, Operation<any>>>) {
    this[PrimitiveTypeId] = backend
  }

  /** `queue.pipe(ProcessQueue.put(item))`, as Effect's own data types pipe. */
  pipe() {
    return pipeArguments(this, arguments)
  }

  /**
   * Runs `method` where the object lives, as its table says it crosses.
   * `undo` and `accept` see an awaited call's success from another process
   * (see Backend.call): a lock's lease is taken and given back through them.
   */
  protected call<A, E>(
    method: string,
    args: ReadonlyArray<unknown> = [],
    caller: string = processCaller(),
    undo?: Undo,
    accept?: Accept
  ): Effect.Effect<A, E> {
    const backend = this[PrimitiveTypeId]
    return (this.operations[method]?.crosses === "posted" && !backend.isLocal
      ? backend.post(method, args, caller)
      : backend.call(method, args, caller, undo, accept)) as Effect.Effect<A, E>
  }

  /**
   * Posts `item` (or adds `count`) to `method` where the object lives,
   * gathered with this process's other posts of the tick to the same method
   * into one (items packed into one batch, counts added: see Channel.gather);
   * for an operation that cannot fail there. `always`: sent even after the
   * owner refused an earlier post. The owner's own holder calls it at once.
   */
  protected gather<E>(method: string, item: Uint8Array | undefined, count = 0, always = false): Effect.Effect<void, E> {
    const backend = this[PrimitiveTypeId]
    if (backend.isLocal) return backend.call(method, item === undefined ? [count] : [pack([item])], processCaller()) as Effect.Effect<void, E>
    const reference = backend.reference()
    return channel(reference).gather(reference, method, item, count, always) as Effect.Effect<void, E>
  }

  /**
   * The public method's Effect: `call` when run, started at once by the compat
   * face; in the Effect face, a call to another process has a span (`Dict.get` …).
   */
  protected op<A, E>(method: string, args?: ReadonlyArray<unknown>, caller?: string): Effect.Effect<A, E> {
    const backend = this[PrimitiveTypeId]
    const start = () => this.call<A, E>(method, args, caller)
    if (backend.isLocal) return operation(start)
    return tracedOperation(true, () => {
      const reference = backend.reference()
      return [`${reference.kind.split(":")[0]}.${method}`, { "served.owner.pid": reference.ownerPid, "served.owner.name": reference.ownerName }]
    }, start)
  }

  /** See `owned`. */
  protected owned<A, E, R = never>(start: (caller: string) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return owned(start)
  }
}
