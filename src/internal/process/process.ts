/**
 * The parent's side of one Process: Python's state machine (initial →
 * started → closed) over a backend's `ChildHandle`.
 */
import { Deferred, Duration, Effect, Either, LogLevel, Option, Ref, Schema, type Scope } from "effect"
import {
  InvalidTargetError,
  ProcessExitedError,
  ProcessStateError,
  SerializationError,
  type TimeoutError,
  TypeError,
  ValueError
} from "../../Errors.js"
import { type ChildHandle, Multiprocessing, type MultiprocessingService } from "../../Multiprocessing.js"
import type { Options, Process, ProcessTypeId as ProcessTypeIdType, ResultError, Sentinel, StartError } from "../../Process.js"
import type * as Target from "../../Target.js"
import { decodeError } from "../codec/decodeError.js"
import { markNotData, PROCESS_ADVICE } from "../codec/notData.js"
import { WaitableTypeId } from "../connection/waitable.js"
import { keepingAlive } from "../keepAlive.js"
import { spanContextOf, withSpan } from "../spans.js"
import { timeoutError } from "../timedWait.js"
import * as WallClock from "../wallClock.js"
import { childIdentity, currentIdentity, nextChildIdentity } from "../thisProcess/currentProcess.js"
import { log } from "../thisProcess/log.js"
import { type ChildRecord, liveChildren } from "../thisProcess/processGlobals.js"
import { targetSpec } from "./targetSpec.js"

export const ProcessTypeId: ProcessTypeIdType = Symbol.for("effect-multiprocessing/Process") as ProcessTypeIdType

type State = "initial" | "started" | "closed"

/** How long `release` (the owning scope's close) waits after SIGTERM before it kills. */
const TERMINATE_GRACE = Duration.seconds(5)

/** Python's `tuple(args)` fails at construction for anything else; so does this, naming the fix. */
const checkArgs = (args: unknown): Either.Either<void, TypeError> =>
  args === undefined || Array.isArray(args)
    ? Either.void
    : Either.left(
      new TypeError({
        message: `Process args must be an array of the target's arguments, got ${
          args === null ? "null" : typeof args
        }: wrap a single argument in one (args: [value])`
      })
    )

class ProcessImpl<A> implements Process<A>, ChildRecord {
  readonly [ProcessTypeId]: ProcessTypeIdType = ProcessTypeId
  private state: State = "initial"
  private handle: ChildHandle | undefined
  private readonly identity: ReturnType<typeof nextChildIdentity>
  private readonly exited = Deferred.unsafeMake<number>(undefined as never)
  private currentName: string
  private isDaemon: boolean

  constructor(
    private readonly mp: MultiprocessingService,
    private readonly options: Options<Target.AnyFunction, A>
  ) {
    this.identity = nextChildIdentity()
    this.currentName = options.name ?? this.identity.name
    this.isDaemon = options.daemon ?? currentIdentity().daemon
  }

  get name(): string {
    return this.currentName
  }

  get daemon(): boolean {
    return this.isDaemon
  }

  get pid(): number | undefined {
    return this.openHandle()?.pid
  }

  get threadId(): number | undefined {
    return this.openHandle()?.threadId
  }

  get exitCode(): number | null {
    return this.openHandle()?.exitCode() ?? null
  }

  get isAlive(): boolean {
    return this.openHandle() !== undefined && this.running
  }

  private get running(): boolean {
    return this.state === "started" && this.handle !== undefined && this.handle.exitCode() === null
  }

  /** The handle, for the state getters: plain values that cannot fail as an Effect does, so they throw the typed error. */
  private openHandle(): ChildHandle | undefined {
    if (this.state === "closed") throw this.closedError()
    return this.handle
  }

  private closedError(operation?: string) {
    return new ProcessStateError({
      message: operation === undefined
        ? `process object is closed (${this.name}): its pid, exit code and state are gone with it`
        : `cannot ${operation}: process object ${this.name} is closed`
    })
  }

  get isClosed(): boolean {
    return this.state === "closed"
  }

  readonly sentinel: Sentinel = (() => {
    const await_ = Effect.zipRight(Effect.suspend(() => this.started("wait for")), Effect.asVoid(Deferred.await(this.exited)))
    const isReady = Deferred.isDone(this.exited)
    return {
      await: await_,
      isReady,
      [WaitableTypeId]: { isReady: Effect.zipRight(Effect.suspend(() => this.started("wait for")), isReady), awaitReady: await_ }
    }
  })()

  /** For the child bootstrap, which waits for a target's non-daemon children before the child exits. */
  awaitExit(): Promise<void> {
    return Effect.runPromise(Effect.asVoid(Deferred.await(this.exited)))
  }

  terminateNow(): void {
    this.handle?.signal("SIGTERM")
  }

  private ensureOpen(operation: string) {
    return this.state === "closed" ? Effect.fail(this.closedError(operation)) : Effect.void
  }

  private started(operation: string) {
    return Effect.flatMap(this.ensureOpen(operation), () =>
      this.handle === undefined
        ? Effect.fail(new ProcessStateError({ message: `can only ${operation} a started process (${this.name} was never started)` }))
        : Effect.succeed(this.handle))
  }

  setName(name: string) {
    return Effect.map(this.ensureOpen("rename"), () => {
      this.currentName = name
    })
  }

  setDaemon(daemon: boolean) {
    return Effect.flatMap(this.ensureOpen("set daemon"), () =>
      this.state !== "initial"
        ? Effect.fail(new ProcessStateError({ message: `cannot set daemon status of ${this.name}: it has already started` }))
        : Effect.sync(() => {
          this.isDaemon = daemon
        }))
  }

  private readonly onExit = (code: number) => {
    liveChildren().delete(this)
    Deferred.unsafeDone(this.exited, Effect.succeed(code))
    Effect.runSync(Effect.provideService(log(LogLevel.Debug, `${this.name} exited with exitcode ${code}`), Multiprocessing, this.mp))
  }

  get start(): Effect.Effect<void, StartError> {
    // The start's span is the child's parent: its Effect target's spans are the start's children.
    return withSpan("Process.start", { "process.name": this.name }, (span) => Effect.gen(this, function*() {
      yield* this.ensureOpen("start")
      if (this.state !== "initial") {
        return yield* new ProcessStateError({ message: `cannot start a process twice (${this.name} already started)` })
      }
      const parent = currentIdentity()
      if (parent.daemon) {
        return yield* new ProcessStateError({
          message: `daemonic processes are not allowed to have children (${parent.name} is a daemon)`
        })
      }
      const target = yield* targetSpec(this.options.target, this.name)
      const settings = yield* Ref.get(this.mp.settings)
      this.state = "started"
      const handle = yield* this.mp.spawn({
        target,
        args: this.options.args ?? [],
        identity: childIdentity({
          name: this.name,
          daemon: this.daemon,
          identity: this.identity.identity,
          executable: settings.executable
        }),
        onExit: this.onExit,
        ...(this.options.startMethod === undefined ? {} : { startMethod: this.options.startMethod }),
        ...(span === undefined ? {} : { parentSpan: spanContextOf(span) })
      }).pipe(Effect.tapError(() => Effect.sync(() => (this.state = "initial"))))
      span?.attribute("process.pid", handle.pid)
      this.handle = handle
      handle.setKeepsParentAlive(!this.daemon)
      liveChildren().add(this)
      yield* log(LogLevel.Debug, `started ${this.name} (pid ${handle.pid})`)
    })).pipe(Effect.provideService(Multiprocessing, this.mp))
  }

  join(timeout?: Duration.DurationInput): Effect.Effect<number, ProcessStateError | TimeoutError | ValueError> {
    // Duration reads NaN as zero: a computed timeout gone wrong would poll once and look like "still running".
    if (typeof timeout === "number" && Number.isNaN(timeout)) {
      return Effect.fail(new ValueError({ message: "join(timeout): the timeout is NaN; give a number, or none to wait for the exit" }))
    }
    // A daemon child does not hold the parent alive, but a parent waiting for it stays.
    return Effect.flatMap(this.started("join"), (handle) =>
      withSpan("Process.join", { "process.name": this.name, "process.pid": handle.pid }, (span) =>
        keepingAlive(timeout === undefined
          ? Deferred.await(this.exited)
          : Effect.flatMap(WallClock.timeoutOption(Deferred.await(this.exited), timeout), (exitCode) =>
            Option.isSome(exitCode) ? Effect.succeed(exitCode.value) : Effect.fail(timeoutError(`join of ${this.name}`, timeout)))).pipe(
            Effect.tap((exitCode) => span?.attribute("process.exit_code", exitCode))
          )))
  }

  get result(): Effect.Effect<A, ResultError> {
    return Effect.gen(this, function*() {
      const handle = yield* this.started("get the result of")
      const [exitCode, outcome] = yield* keepingAlive(Effect.zip(Deferred.await(this.exited), handle.outcome))
      if (outcome === undefined) {
        return yield* new ProcessExitedError({ pid: handle.pid, processName: this.name, exitCode })
      }
      switch (outcome._tag) {
        case "LoadFailed":
          return yield* new InvalidTargetError({ message: outcome.error.message })
        case "Unsendable":
          return yield* new SerializationError({ message: outcome.error.message })
        case "Raised":
          return yield* Effect.fail(decodeError(outcome.error, handle.pid, this.name))
      }
      if (this.options.result === undefined) return outcome.value as A
      return yield* Schema.decodeUnknown(this.options.result)(outcome.value).pipe(
        Effect.mapError((error) =>
          new SerializationError({ message: `the result of ${this.name} does not match its Schema: ${error.message}` })
        )
      )
    })
  }

  private signal(signal: "SIGTERM" | "SIGKILL", operation: string) {
    return Effect.flatMap(this.started(operation), (handle) => Effect.sync(() => handle.signal(signal)))
  }

  get terminate() {
    return this.signal("SIGTERM", "terminate")
  }

  get kill() {
    return this.signal("SIGKILL", "kill")
  }

  get close(): Effect.Effect<void, ProcessStateError> {
    return Effect.suspend(() => {
      if (this.running) {
        return Effect.fail(
          new ProcessStateError({ message: `cannot close ${this.name} while it is still running; join or terminate it first` })
        )
      }
      this.state = "closed"
      return Effect.void
    })
  }

  get release(): Effect.Effect<void> {
    return Effect.suspend(() => {
      const handle = this.handle
      if (handle === undefined || handle.exitCode() !== null) return Effect.void
      handle.signal("SIGTERM")
      const exited = Deferred.await(this.exited)
      return WallClock.timeoutOption(exited, TERMINATE_GRACE).pipe(
        Effect.flatMap((done) =>
          Option.isSome(done) ? Effect.void : Effect.zipRight(Effect.sync(() => handle.signal("SIGKILL")), exited)
        ),
        Effect.asVoid
      )
    })
  }

  toString() {
    const exitCode = this.handle?.exitCode() ?? null
    const status = this.state === "closed"
      ? "closed"
      : this.handle === undefined
      ? "initial"
      : exitCode === null
      ? "started"
      : `stopped exitcode=${exitCode}`
    return `<Process name='${this.name}' pid=${this.handle?.pid ?? "None"} ${status}${this.daemon ? " daemon" : ""}>`
  }
}

markNotData(ProcessImpl, "a Process", PROCESS_ADVICE)

/** A Process not yet started, owned by the current Scope; `args` that are not an array fail with `TypeError`. */
export const make = <F extends Target.AnyFunction, A = Target.Result<F>>(
  options: Options<F, A>
): Effect.Effect<Process<A>, TypeError, Multiprocessing | Scope.Scope> =>
  Effect.zipRight(checkArgs(options.args), Multiprocessing).pipe(Effect.flatMap((mp) =>
    Effect.acquireRelease(
      Effect.sync(() => new ProcessImpl<A>(mp, options as Options<Target.AnyFunction, A>)),
      (process) => process.release
    )))
