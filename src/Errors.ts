/**
 * The errors of effect-multiprocessing. Each is a `Schema.TaggedError`, so it
 * crosses process boundaries with its type and fields intact, is yieldable in
 * `Effect.gen`, and is an `Error` whose `name` is Python's name for it.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * A generic failure of the multiprocessing machinery (Python's `ProcessError`).
 * As in Python it is the base of the library's errors about processes and
 * connections: `instanceof ProcessError` holds for each tag in `processErrorTags`.
 */
export class ProcessError extends Schema.TaggedError<ProcessError>()("ProcessError", {
  message: Schema.String
}) {
  static override [Symbol.hasInstance](u: unknown): boolean {
    return typeof u === "object" && u !== null && u instanceof Error &&
      processErrorTags.has((u as { _tag?: unknown })._tag as string)
  }
}

/** A wait with a timeout ran out of time (Python's `multiprocessing.TimeoutError`). */
export class TimeoutError extends Schema.TaggedError<TimeoutError>()("TimeoutError", {
  message: Schema.String
}) {}

/** The peer failed the authkey challenge, or we failed its (Python's `AuthenticationError`). */
export class AuthenticationError extends Schema.TaggedError<AuthenticationError>()("AuthenticationError", {
  message: Schema.String
}) {}

/**
 * A received message did not fit the buffer given to `recvBytesInto`. Carries
 * the whole message in `data`, so nothing is lost (Python's `BufferTooShort`).
 */
export class BufferTooShort extends Schema.TaggedError<BufferTooShort>()("BufferTooShort", {
  data: Schema.Uint8ArrayFromSelf
}) {
  override get message() {
    return `message of ${this.data.byteLength} bytes does not fit the buffer; the whole message is in .data`
  }
}

/** A non-blocking or timed `get` found the queue empty (Python's `queue.Empty`). */
export class Empty extends Schema.TaggedError<Empty>()("Empty", {}) {
  override get message() {
    return "the queue is empty"
  }
}

/** A non-blocking or timed `put` found the queue full (Python's `queue.Full`). */
export class Full extends Schema.TaggedError<Full>()("Full", {}) {
  override get message() {
    return "the queue is full"
  }
}

/** The other end of a connection closed: nothing more will arrive (Python's `EOFError`). */
export class EOFError extends Schema.TaggedError<EOFError>()("EOFError", {
  message: Schema.String
}) {}

/** A barrier was reset or aborted, or a wait on it timed out (Python's `threading.BrokenBarrierError`). */
export class BrokenBarrierError extends Schema.TaggedError<BrokenBarrierError>()("BrokenBarrierError", {
  message: Schema.String
}) {}

/** A worker process died while running a task (billiard's `WorkerLostError`). */
export class WorkerLostError extends Schema.TaggedError<WorkerLostError>()("WorkerLostError", {
  message: Schema.String,
  pid: Schema.Number,
  exitCode: Schema.NullOr(Schema.Number),
  signal: Schema.NullOr(Schema.String)
}) {}

/**
 * A pool task ran past its hard time limit (`timeout`): its worker was killed
 * and replaced (billiard's `TimeLimitExceeded`). Counted from the task's start.
 */
export class TimeLimitExceeded extends Schema.TaggedError<TimeLimitExceeded>()("TimeLimitExceeded", {
  message: Schema.String,
  pid: Schema.Number,
  limitMs: Schema.Number
}) {}

/**
 * A pool task ran past its soft time limit (`softTimeout`): its AbortSignal was
 * aborted (an Effect task interrupted) and the worker moved on to its next
 * task (billiard's `SoftTimeLimitExceeded`).
 */
export class SoftTimeLimitExceeded extends Schema.TaggedError<SoftTimeLimitExceeded>()("SoftTimeLimitExceeded", {
  message: Schema.String,
  pid: Schema.Number,
  limitMs: Schema.Number
}) {}

/**
 * A pool's workers keep failing before they are ready (their initializer
 * throws, or the process cannot start): the pool gives up instead of
 * respawning forever, and every task fails with this.
 */
export class WorkerStartupError extends Schema.TaggedError<WorkerStartupError>()("WorkerStartupError", {
  message: Schema.String,
  failures: Schema.Number
}) {}

/** A pool task that had not finished when its pool was terminated (billiard's `Terminated`). */
export class Terminated extends Schema.TaggedError<Terminated>()("Terminated", {
  message: Schema.String
}) {}

/**
 * The input of a pool `map` or `imap` threw while it was read: the results
 * before it were delivered (`imap`) or awaited (`map`), and the pool stays
 * usable. `cause` is what the input threw.
 */
export class InputError extends Schema.TaggedError<InputError>()("InputError", {
  message: Schema.String,
  cause: Schema.Unknown
}) {}

/**
 * An operation that the object's state does not allow: `start()` twice,
 * `join()` before `start()`, `close()` while running, a closed object used
 * (Python raises `AssertionError` or `ValueError` for these).
 */
export class ProcessStateError extends Schema.TaggedError<ProcessStateError>()("ProcessStateError", {
  message: Schema.String
}) {}

/** A process target that cannot be run: a missing module or export, or an export that is not a function. */
export class InvalidTargetError extends Schema.TaggedError<InvalidTargetError>()("InvalidTargetError", {
  message: Schema.String
}) {}

/**
 * An inline function that cannot be carried to a child as source: it relies
 * on names that will not exist there (listed in `unresolved`), or it is not
 * plain source at all (a native, bound or class function).
 */
export class UnportableFunctionError extends Schema.TaggedError<UnportableFunctionError>()(
  "UnportableFunctionError",
  {
    message: Schema.String,
    functionName: Schema.String,
    unresolved: Schema.Array(Schema.String)
  }
) {}

/** A value the codec cannot carry (a function, a symbol, a native handle …). Nothing was sent. */
export class SerializationError extends Schema.TaggedError<SerializationError>()("SerializationError", {
  message: Schema.String
}) {}

/** A start method other than the ones this platform offers (Python raises `ValueError`). */
export class StartMethodError extends Schema.TaggedError<StartMethodError>()("StartMethodError", {
  message: Schema.String
}) {}

/**
 * A failure raised in another process (by a target, a pool task, a served
 * object's owner) that is not one of this module's errors: those arrive as
 * themselves. `type` is its type there (its `name`, or its class's name for a
 * bare `Error` subclass), `remoteStack` the stack where it was raised, `pid`
 * and `processName` the process, `fields` its own enumerable data, and `cause`
 * its `cause`, decoded the same way (a library error or a `RemoteError`).
 */
export class RemoteError extends Schema.TaggedError<RemoteError>()("RemoteError", {
  type: Schema.String,
  message: Schema.String,
  remoteStack: Schema.String,
  pid: Schema.Number,
  processName: Schema.String,
  fields: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  cause: Schema.optional(Schema.Unknown)
}) {}

/** A child process ended without a result: `process.exit(n)`, a signal, or a crash. */
export class ProcessExitedError extends Schema.TaggedError<ProcessExitedError>()("ProcessExitedError", {
  pid: Schema.Number,
  processName: Schema.String,
  exitCode: Schema.Number
}) {
  override get message() {
    const how = this.exitCode < 0 ? `was killed by signal ${-this.exitCode}` : `exited with code ${this.exitCode}`
    return `process ${this.processName} (pid ${this.pid}) ${how} before returning a result`
  }
}

/** The errors that are a `ProcessError`, as Python's hierarchy has them (and ours that belong there). */
const processErrorTags: ReadonlySet<string> = new Set([
  "ProcessError",
  "TimeoutError",
  "AuthenticationError",
  "BufferTooShort",
  "ProcessStateError",
  "InvalidTargetError",
  "UnportableFunctionError",
  "SerializationError",
  "RemoteError",
  "ProcessExitedError",
  "WorkerLostError",
  "OwnerGoneError",
  "TimeLimitExceeded",
  "SoftTimeLimitExceeded",
  "WorkerStartupError",
  "Terminated"
])

/**
 * A failure at the operating-system level of a connection or listener
 * (Python's `OSError`): a closed handle, a read-only or write-only end, a
 * message longer than allowed, an address in use, a refused connection.
 * `code` is the system's error code when there is one (`EADDRINUSE` …).
 */
export class OSError extends Schema.TaggedError<OSError>()("OSError", {
  message: Schema.String,
  code: Schema.optional(Schema.String)
}) {}

/** An argument out of range, such as an offset or size outside a buffer (Python's `ValueError`). */
export class ValueError extends Schema.TaggedError<ValueError>()("ValueError", {
  message: Schema.String
}) {}

/**
 * An argument of the wrong type, such as a string where a number belongs
 * (Python's `TypeError`). The message names the argument and what it takes.
 */
export class TypeError extends Schema.TaggedError<TypeError>()("TypeError", {
  message: Schema.String
}) {}

/** A shared memory segment of that name exists already (Python's `FileExistsError`): choose another name, or attach to it. */
export class FileExistsError extends Schema.TaggedError<FileExistsError>()("FileExistsError", {
  message: Schema.String,
  segment: Schema.String
}) {}

/** No shared memory segment has that name (Python's `FileNotFoundError`): it was never created, or is unlinked. */
export class FileNotFoundError extends Schema.TaggedError<FileNotFoundError>()("FileNotFoundError", {
  message: Schema.String,
  segment: Schema.String
}) {}

/**
 * Raw shared memory needs the library's native addon, which is not loaded
 * here: not built (no C compiler when the package was installed), not
 * supported on this platform (it needs Linux), or disabled with
 * `EFFECT_MULTIPROCESSING_NATIVE=0`. The message says which, and how to build it.
 */
export class SharedMemoryUnavailableError extends Schema.TaggedError<SharedMemoryUnavailableError>()(
  "SharedMemoryUnavailableError",
  { message: Schema.String }
) {}

/**
 * A synchronous (`…Sync`) lock or value operation that cannot be done here
 * without blocking this thread for good: the object is served by its owner
 * over a socket (the addon is not loaded, or a Manager made it), whose answer
 * this blocked thread could never read, or the lock is held by this very
 * thread, which could never release it meanwhile. The message says which;
 * the asynchronous form works in either case.
 */
export class SyncUnsupportedError extends Schema.TaggedError<SyncUnsupportedError>()("SyncUnsupportedError", {
  message: Schema.String
}) {}

/** An index outside a shared Array (Python's `IndexError`). */
export class IndexError extends Schema.TaggedError<IndexError>()("IndexError", {
  message: Schema.String
}) {}

/** A key missing from a shared dict (Python's `KeyError`); the message is the key's repr, as Python's is. */
export class KeyError extends Schema.TaggedError<KeyError>()("KeyError", {
  message: Schema.String
}) {}

/** A name missing from a shared Namespace (Python's `AttributeError`). */
export class AttributeError extends Schema.TaggedError<AttributeError>()("AttributeError", {
  message: Schema.String
}) {}

/**
 * An operation that needs its caller to hold a lock it does not hold: releasing
 * an RLock owned by another, waiting on a Condition without its lock (Python
 * raises `AssertionError` for these).
 */
export class NotOwnerError extends Schema.TaggedError<NotOwnerError>()("NotOwnerError", {
  message: Schema.String
}) {}

/**
 * The process that serves a shared primitive has exited (or can no longer be
 * reached): the primitive is gone with it. Names the primitive and its owner.
 */
export class OwnerGoneError extends Schema.TaggedError<OwnerGoneError>()("OwnerGoneError", {
  primitive: Schema.String,
  ownerPid: Schema.Number,
  ownerName: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.primitive} is gone: its owner ${this.ownerName} (pid ${this.ownerPid}) ${this.reason}`
  }
}

/**
 * Any error of this module. An error raised in another process arrives as
 * itself when it is one of these, and as a `RemoteError` otherwise.
 *
 * @since 0.1.0
 * @category errors
 */
export type MultiprocessingError = {
  [K in keyof typeof import("./Errors.js")]: typeof import("./Errors.js")[K] extends new(...args: any) => infer E
    ? E extends Error ? E : never
    : never
}[keyof typeof import("./Errors.js")]

/**
 * An error as it crosses processes, as plain data: its type, message, stack,
 * own fields and cause. A library error is decoded back into its class; any
 * other becomes a `RemoteError` built from it.
 *
 * @since 0.1.0
 * @category models
 */
export interface EncodedError {
  /** Its type where it was raised: a tagged error's `_tag`, else its `name`, else its class's name. */
  readonly type: string
  /** Present when `type` is a `_tag`: the library's errors are decoded by it. */
  readonly tagged?: true
  readonly message: string
  /** The stack where it was raised. */
  readonly stack?: string
  /** Its own enumerable fields (a library error's data), each one the codec can carry, or its `String`. */
  readonly fields: Record<string, unknown>
  /** Its `cause`, encoded the same way. */
  readonly cause?: EncodedError
}
