/**
 * Lock, RLock, Semaphore and BoundedSemaphore in shared memory: the same
 * public interface as the served ones (lock/lock.ts), over a segment every
 * process that holds one maps. Operations run here, in whichever process
 * calls them: no owner, no socket. Uncontended ones are done at once (an
 * Exit, so the compat face settles them without a fiber).
 *
 * It travels as a reference of its own kind ("shm:Lock" …) whose id names its
 * segment, with its maker's address; where it arrives the segment is mapped
 * again. A process that cannot map it is served by its maker (see
 * served/throughOwner.ts: `servedDefinition` below is the served Lock's table,
 * run on the maker's mapping). A segment that no longer exists, where nobody
 * serves it, gives a lock whose every operation fails with OwnerGoneError, as
 * a served lock whose owner is gone.
 */
import { Duration, Effect, Exit, type Scope } from "effect"
import { pipeArguments } from "effect/Pipeable"
import type { OwnerGoneError, TimeoutError, TypeError, ValueError } from "../../Errors.js"
import { failOnFalse, timeoutError } from "../timedWait.js"
import type * as Public from "../../Lock.js"
import { operation } from "../faces.js"
import { acquireArguments, held, withLock } from "./holding.js"
import { currentIdentity } from "../thisProcess/currentProcess.js"
import { type Backend, type Primitive, PrimitiveTypeId, type Reference } from "../served/backend.js"
import { type Definition, owned } from "../served/definition.js"
import { processCaller, timeoutFromWire } from "../served/backend.js"
import { registerRevival } from "../served/revive.js"
import { afterCatchUp, catchUp } from "../served/server.js"
import { FOUND_HELD } from "./semLock.js"
import { counted, mapped, noteHolding, servedAt, servedHere, standIn, standInOf, standInsOf, startNow } from "../served/throughOwner.js"
import { MUTEX_WORDS, SharedMutex } from "./sharedMutex.js"
import { canCreate, create, goneError, makerPid, type Segment, wakerOf } from "../native/segment.js"
import { segmentOf, SHM_ID_PREFIX } from "../native/segmentIds.js"
import { SEM_VALUE_MAX, SEMAPHORE_WORDS, SharedSemaphore } from "./sharedSemaphore.js"

type Kind = Public.Lock["kind"]

/** The words of a lock and of a semaphore, in one cache line. */
const SEGMENT_BYTES = Math.max(MUTEX_WORDS, SEMAPHORE_WORDS) * 4

/** Whether a new lock of `kind` starting at `value` lives in shared memory: it can here (segment.ts), and the value fits a word. */
export const available = (kind: Kind, value: number): boolean =>
  canCreate() && (kind === "Lock" || kind === "RLock" || value <= SEM_VALUE_MAX)

const core = (kind: Kind, segment: Segment): SharedMutex | SharedSemaphore =>
  kind === "Lock" || kind === "RLock"
    ? new SharedMutex(wakerOf(segment.words), segment.words, kind === "RLock")
    : new SharedSemaphore(wakerOf(segment.words), segment.words)

export class SharedMemoryLock implements Public.Lock, Primitive {
  readonly [PrimitiveTypeId]: Backend
  /** The mutex or semaphore; undefined when its segment was gone where it arrived. */
  private readonly core: SharedMutex | SharedSemaphore | undefined

  /** `lock.pipe(Lock.withLock(effect))`, as Effect's own data types pipe. */
  pipe() {
    return pipeArguments(this, arguments)
  }

  constructor(
    readonly kind: Kind,
    private readonly segmentName: string,
    segment: Segment | undefined,
    ownerName: string,
    /** The reference it arrived as (its maker's); none in its maker. */
    arrival?: Reference
  ) {
    this.core = segment === undefined ? undefined : core(kind, segment)
    // Only an RLock's release asks who calls (a Lock may be released by anyone).
    this.release = kind === "RLock" ? owned((caller) => this.releaseAs(caller)) : operation(() => this.releaseAs(""))
    const id = SHM_ID_PREFIX + segmentName
    const reference = (): Reference =>
      arrival ?? { kind: `${SHM_ID_PREFIX}${kind}`, id, address: this.servedAt(), ownerPid: makerPid(segmentName), ownerName }
    const refused = () => Exit.fail(this.gone())
    this[PrimitiveTypeId] = { id, isLocal: true, reference, call: refused, post: refused }
  }

  /** Served by this process from now on to processes that cannot map it: where. */
  servedAt(): Reference["address"] {
    return servedAt(this[PrimitiveTypeId].id, servedDefinition, this)
  }

  private gone(): OwnerGoneError {
    return goneError(this.kind, this.segmentName, this[PrimitiveTypeId].reference().ownerName)
  }

  /** For a client that cannot map it: a lock is taken by the client's stand-in here (see throughOwner.ts). */
  acquireFor(client: string, block: boolean, timeout: Duration.Duration | undefined): Effect.Effect<boolean, unknown> {
    const caller = this.core instanceof SharedMutex ? standIn(client) : ""
    // Found held, and answering so at once: a release another client posted may not be read yet (see server.ts).
    const acquired = afterCatchUp(() => this.acquireAs(caller, block, timeout), (acquired) => acquired === FOUND_HELD)
    return caller === "" ? acquired : counted(client, this, acquired)
  }

  releaseFor(client: string): Effect.Effect<void, Public.ReleaseError> {
    const core = this.core
    if (!(core instanceof SharedMutex)) return this.releaseAs("")
    const caller = standIn(client)
    const released = this.releaseAs(this.kind === "RLock" ? caller : "")
    // An RLock's stand-in may still hold levels of it.
    noteHolding(client, this, core.isMine(caller))
    return released
  }

  /** The clients of the process `pid` have gone: what their stand-ins hold is released. */
  releaseHeldBy(pid: string): void {
    for (const [client] of standInsOf(pid)) this.releaseHeldFor(client)
  }

  /** What `client`'s stand-in holds of it (every level), released: its process has gone. */
  releaseHeldFor(client: string): void {
    const core = this.core
    const caller = standInOf(client)
    if (core instanceof SharedMutex && core.isMine(caller)) core.releaseAll()
    noteHolding(client, this, false)
  }

  private acquireAs(caller: string, block: boolean, timeout: Duration.Duration | undefined): Effect.Effect<boolean, OwnerGoneError> {
    const core = this.core
    if (core === undefined) return Exit.fail(this.gone())
    return core instanceof SharedMutex ? core.acquire(caller, block, timeout) : core.acquire(block, timeout)
  }

  private readonly acquireWaiting = owned((caller) => this.acquireAs(caller, true, undefined))

  acquire(options?: Public.AcquireOptions): Effect.Effect<boolean, OwnerGoneError | TimeoutError | TypeError | ValueError> {
    if (options === undefined) return this.acquireWaiting
    const checked = acquireArguments(options)
    if (checked._tag === "Left") return Exit.fail(checked.left)
    const { block, timeout } = checked.right
    return owned((caller) => block ? failOnFalse(this.acquireAs(caller, true, timeout), "acquire", timeout) : this.acquireAs(caller, false, timeout))
  }

  readonly release: Effect.Effect<void, Public.ReleaseError>

  private releaseAs(caller: string): Effect.Effect<void, Public.ReleaseError> {
    const core = this.core
    if (core === undefined) return Exit.fail(this.gone())
    return core instanceof SharedMutex ? core.release(caller) : core.release()
  }

  readonly getValue: Effect.Effect<number, OwnerGoneError> = operation(() =>
    this.core === undefined ? Exit.fail(this.gone()) : Exit.succeed(this.core.getValue()))

  get held(): Effect.Effect<void, OwnerGoneError, Scope.Scope> {
    return held(this.acquireWaiting, this.release)
  }

  acquireSync(options?: Public.AcquireOptions): boolean {
    const core = this.core
    if (core === undefined) throw this.gone()
    let block = true
    let timeoutMs: number | undefined
    if (options !== undefined) {
      const checked = acquireArguments(options)
      if (checked._tag === "Left") throw checked.left
      block = checked.right.block
      timeoutMs = checked.right.timeout === undefined ? undefined : Duration.toMillis(checked.right.timeout)
    }
    const acquired = core instanceof SharedMutex ? core.acquireSync(processCaller(), block, timeoutMs) : core.acquireSync(block, timeoutMs)
    if (!acquired && block) throw timeoutError("acquireSync", timeoutMs)
    return acquired
  }

  releaseSync(): void {
    const core = this.core
    if (core === undefined) throw this.gone()
    const refused = core instanceof SharedMutex ? core.releaseRefused(this.kind === "RLock" ? processCaller() : "") : core.releaseRefused()
    if (refused !== undefined) throw refused
  }

  withLockSync<A>(body: () => A): A {
    this.acquireSync()
    try {
      return body()
    } finally {
      this.releaseSync()
    }
  }

  withLock<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | OwnerGoneError, R> {
    return withLock(this.acquireWaiting, this.release, self)
  }

  /** Whether `caller` holds it (a Lock or RLock; a semaphore keeps no holders). */
  heldBy(caller: string): boolean {
    return this.core instanceof SharedMutex && this.core.isMine(caller)
  }

  /** The mutex of a Lock or RLock, for a Condition built on it (undefined for a semaphore, or a lock whose segment is gone). */
  get mutex(): SharedMutex | undefined {
    return this.core instanceof SharedMutex ? this.core : undefined
  }
}

/** A new lock in a new segment (not scoped: its maker's Scope unlinks it by its id, see segmentIds.ts; or its exit). */
export const makeLocal = (kind: Kind, value: number): SharedMemoryLock => {
  const segment = create(SEGMENT_BYTES)
  if (kind === "Semaphore" || kind === "BoundedSemaphore") {
    SharedSemaphore.initialize(segment.words, value, kind === "Semaphore" ? SEM_VALUE_MAX : value)
  }
  return new SharedMemoryLock(kind, segment.name, segment, currentIdentity().name)
}

/**
 * The served Lock's table (lock.ts), for the processes that cannot map it:
 * each operation runs on this process's mapping, for the caller's stand-in.
 */
const servedDefinition: Definition<SharedMemoryLock> = {
  kind: (lock) => lock.kind,
  operations: {
    acquire: { run: (lock, [block, millis], caller) => lock.acquireFor(caller, block !== false, timeoutFromWire(millis)) },
    release: { run: (lock, _, caller) => lock.releaseFor(caller) },
    getValue: { run: (lock) => (catchUp(), startNow(lock.getValue)) }
  },
  clientGone: (lock, pid) => lock.releaseHeldBy(pid),
  abandon: (lock, method, caller, exit) => {
    if (method === "acquire" && Exit.isSuccess(exit) && exit.value === true) Effect.runSync(Effect.ignore(lock.releaseFor(caller)))
  }
}

/** The lock of `kind` a reference names (a Condition's or a Value's, of the reference given), mapped here. */
export const revive = (kind: Kind, reference: Reference): SharedMemoryLock =>
  new SharedMemoryLock(kind, segmentOf(reference.id), mapped(reference.id), reference.ownerName, reference)

const kinds: ReadonlyArray<string> = ["Lock", "RLock", "Semaphore", "BoundedSemaphore"]

registerRevival("Lock", (reference) => {
  const kind = reference.kind.startsWith(SHM_ID_PREFIX) ? reference.kind.slice(SHM_ID_PREFIX.length) : undefined
  // One this process cannot map is the served Lock's proxy (lock.ts).
  return kind !== undefined && kinds.includes(kind) && !servedHere(reference) ? revive(kind as Kind, reference) : undefined
})
