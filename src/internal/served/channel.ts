/**
 * The other side of `server.ts`: how a process calls the primitives
 * another process serves. One authenticated connection per owner, opened on
 * the first call and shared by every proxy of that owner; calls are matched to
 * replies by id. A call whose fiber is interrupted is cancelled on the owner;
 * a success that arrives after that is undone (a lock acquired in that instant
 * is released), so nothing leaks. When the owner goes, every waiting call
 * fails with `OwnerGoneError`, and so does every later one.
 */
import { Duration, Effect, Either, Exit, Fiber, FiberId, Schedule, Scope } from "effect"
import type * as Listener from "../../Listener.js"
import { connectWith } from "../connection/open.js"
import { OwnerGoneError } from "../../Errors.js"
import type { ConnectionImpl } from "../connection/connection.js"
import { familyAuthkey } from "../thisProcess/currentProcess.js"
import { isAlive } from "../thisProcess/liveness.js"
import type { FramedSocket } from "../wire/framedSocket.js"
import { type OpenSocket, openSockets } from "../wire/openSockets.js"
import { authenticateResourceServer } from "../wire/handshake.js"
import { pack } from "../wire/itemBatch.js"
import { pendingBeforeExit, remoteServers } from "../thisProcess/processGlobals.js"
import { decodeError } from "../codec/decodeError.js"
import { addressKey, isReply, type Reply, type Request } from "./server.js"
import { awaiting } from "../faces.js"

/** How a primitive travels: what it is, and who serves it where. */
export interface Reference {
  readonly kind: string
  readonly id: string
  /** A Unix socket's path, or `{ host, port }` for a manager served over TCP. */
  readonly address: Listener.Address
  readonly ownerPid: number
  readonly ownerName: string
}

/** What to do with a success its caller will never see (it was interrupted meanwhile). */
export type Undo = (value: unknown) => readonly [method: string, args: ReadonlyArray<unknown>] | undefined

/**
 * What to do with a success as soon as it is read, before anything read after
 * it: a lease granted must be known before its recall, which may come in the
 * same read.
 */
export type Accept = (value: unknown) => void

/** What an object of the owner's tells this process unasked (see lockLease.ts). */
export interface Notified {
  /** Give back the lease. */
  readonly recall: () => void
  /** The owner has gone: the lease is void. */
  readonly gone: () => void
}

interface Pending {
  /** The primitive called, for errors. */
  readonly primitive: string
  readonly reference: Reference
  /** Who waits for the result, once someone does; until then the result is kept in `settled`. */
  resume: ((result: Effect.Effect<unknown, unknown>) => void) | undefined
  settled: Exit.Exit<unknown, unknown> | undefined
  /** The owner said the call waits (a lock held by another): no point reading for its answer. */
  waits: boolean
  readonly undo: ((value: unknown) => void) | undefined
  readonly accept: Accept | undefined
  /** Set when the caller was interrupted: called once the owner's final answer is in (and undone). */
  abandoned: (() => void) | undefined
}

/**
 * An owner that exits closes its sockets a moment before its process is gone:
 * when its connection ends, it is looked at again for up to this long before
 * the reason given is that it closed the connection while alive.
 */
const EXIT_GRACE_MS = 50

/**
 * Posts gathered during a tick and sent as one (a queue's puts, a
 * JoinableQueue's `taskDone`s): items are packed into one batch, counts added.
 */
interface Gathered {
  readonly reference: Reference
  readonly method: string
  readonly items: Array<Uint8Array>
  bytes: number
  count: number
}

/** A gathered batch past this many bytes leaves at once. */
const GATHERED_BYTES = 64 * 1024

/** While the owner lives, a refused connection is retried this long: its server may be starting. */
const CONNECT_PATIENCE = Duration.seconds(5)
const CONNECT_RETRY = Duration.millis(20)

const describe = (reference: Reference) => `${reference.kind} ${reference.id}`

export class Channel {
  private connection: ConnectionImpl<unknown, never> | undefined
  private connecting: Promise<ConnectionImpl<unknown, never> | string> | undefined
  /** Why the owner is gone, once it is. */
  private gone: string | undefined
  private readonly pending = new Map<number, Pending>()
  /** Posts the owner refused, by primitive id: the next use of that primitive fails with it. */
  private readonly refused = new Map<string, { readonly error: unknown; readonly postId: number }>()
  private nextId = 0
  /** Posts gathered this tick, in order; they leave before anything else this channel sends. */
  private gathered: Array<Gathered> = []
  private gatherFlushQueued = false
  /** Set while the socket holds more than its send buffer: gathered posts wait for it. */
  private congestion: Effect.Effect<void> | undefined
  /** Run before this process exits, before the socket is flushed (a queue proxy gives back its items). */
  readonly atExit = new Set<() => void>()
  /** Who hears what the owner says of an object unasked, by object id (a lease's borrower). */
  readonly notices = new Map<string, Notified>()
  private exitEntry: OpenSocket | undefined

  constructor(
    private readonly address: Listener.Address,
    private readonly ownerPid: number,
    private readonly ownerName: string
  ) {}

  get isGone(): boolean {
    return this.gone !== undefined
  }

  private ownerGone(primitive: string, reason: string) {
    return new OwnerGoneError({ primitive, ownerPid: this.ownerPid, ownerName: this.ownerName, reason })
  }

  /**
   * Whether the owner has exited, looked at for up to EXIT_GRACE_MS: a killed
   * process's sockets close (or reset) before it becomes a zombie.
   */
  private exited(): Promise<boolean> {
    const since = performance.now()
    return new Promise((resolve) => {
      const look = () => {
        if (this.ownerPid <= 0) resolve(false)
        else if (!isAlive(this.ownerPid)) resolve(true)
        else if (performance.now() - since < EXIT_GRACE_MS && this.gone === undefined) setTimeout(look, 5)
        else resolve(false)
      }
      look()
    })
  }

  /** The owner's connection ended: fails everything, saying whether the owner exited. */
  private ended(): void {
    void this.exited().then((exited) => {
      if (this.gone === undefined) this.fail(exited ? "has exited" : "closed the connection")
    })
  }

  /** The connection, or why there is none. */
  private connect(): Promise<ConnectionImpl<unknown, never> | string> {
    const connecting = this.open()
    // A process that exits while this connects (a child that put and returned) waits for it.
    const pending = pendingBeforeExit()
    pending.add(connecting)
    void connecting.finally(() => pending.delete(connecting))
    return connecting
  }

  private open(): Promise<ConnectionImpl<unknown, never> | string> {
    const authkey = serverAt(this.address).authkey ?? familyAuthkey()
    const authenticate = (channel: FramedSocket, key: Uint8Array) =>
      authenticateResourceServer(channel, key, (name) => refuseServer(name, this.address))
    const attempt = Effect.flatMap(Scope.make(), (scope) => Scope.extend(connectWith(this.address, { authkey }, authenticate), scope))
    const patient = Effect.retry(attempt, {
      while: (error) => error._tag === "OSError" && isAlive(this.ownerPid),
      schedule: Schedule.spaced(CONNECT_RETRY),
      times: Math.ceil(Duration.toMillis(CONNECT_PATIENCE) / Duration.toMillis(CONNECT_RETRY))
    })
    return Effect.runPromise(Effect.either(patient)).then(async (result) => {
      if (result._tag === "Left") {
        const exited = await this.exited()
        this.gone ??= exited ? "has exited" : `cannot be reached (${result.left.message})`
        return this.gone
      }
      const connection = result.right as ConnectionImpl<unknown, never>
      this.connection = connection
      this.exitEntry = {
        socket: connection.osSocket,
        flush: () => {
          for (const hook of this.atExit) hook()
          this.flushGathered()
          this.connection?.unsafeFlush()
        }
      }
      openSockets().add(this.exitEntry)
      this.flushGathered()
      connection.unsafeDeliver(
        (message) =>
          Either.isLeft(message)
            ? this.ended()
            : isReply(message.right)
            ? this.dispatch(message.right)
            : this.fail("answered with a message that is not a reply of this protocol (another version of the library?)"),
        () => this.ended()
      )
      return connection
    })
  }

  private dispatch(reply: Reply): void {
    if (reply[0] === "recall") {
      this.notices.get(reply[1])?.recall()
      return
    }
    if (reply[0] === "failed") {
      this.refused.set(reply[1], { error: decodeError(reply[2], this.ownerPid, this.ownerName), postId: reply[3] })
      return
    }
    const [kind, id, payload] = reply
    const pending = this.pending.get(id)
    if (pending === undefined) return
    if (kind === "wait") {
      pending.waits = true
      return
    }
    this.pending.delete(id)
    this.holdProcess()
    if (kind === "ok" && pending.abandoned === undefined) pending.accept?.(payload)
    if (pending.abandoned !== undefined) {
      if (kind === "ok") pending.undo?.(payload)
      return pending.abandoned()
    }
    // A post of this process that the owner refused before answering this call: it fails instead.
    const refusal = this.refused.size === 0 ? undefined : this.refusal(pending.reference, id)
    if (refusal !== undefined) {
      if (kind === "ok") pending.undo?.(payload)
      return this.settle(pending, refusal)
    }
    this.settle(pending, kind === "ok"
      ? Exit.succeed(payload)
      : kind === "err"
      ? Exit.fail(decodeError(payload, this.ownerPid, this.ownerName))
      : Exit.interrupt(FiberId.none))
  }

  /**
   * The owner is gone (or answered nonsense): every call waiting and every later
   * one fails. The channel stays, so later calls fail at once instead of trying
   * to connect again.
   */
  private fail(reason: string): void {
    if (this.gone === undefined) this.gone = reason
    const connection = this.connection
    if (this.holding) connection?.unsafeLetGo()
    this.holding = false
    this.connection = undefined
    this.gathered = []
    if (this.exitEntry !== undefined) openSockets().delete(this.exitEntry)
    if (connection !== undefined) Effect.runFork(connection.close)
    for (const pending of this.pending.values()) {
      if (pending.abandoned !== undefined) pending.abandoned()
      else this.settle(pending, Exit.fail(this.ownerGone(pending.primitive, this.gone)))
    }
    this.pending.clear()
    for (const notified of [...this.notices.values()]) notified.gone()
    this.notices.clear()
  }

  /**
   * Reads what the owner has sent, now: for a borrower that gave a lock back
   * locally and may go on without yielding, so that a recall already here is
   * answered at once.
   */
  unsafePoll(): void {
    this.connection?.unsafePoll()
  }

  private settle(pending: Pending, result: Exit.Exit<unknown, unknown>): void {
    pending.settled = result // kept: an interruption racing the resume must see a success to undo it
    pending.resume?.(result)
  }

  /** A call waiting for its reply keeps this process alive; an idle connection does not. */
  private holding = false
  private holdProcess(): void {
    const connection = this.connection
    if (connection === undefined) return
    if (this.pending.size > 0 && !this.holding) connection.unsafeHold()
    else if (this.pending.size === 0 && this.holding) connection.unsafeLetGo()
    else return
    this.holding = !this.holding
  }

  private goneExit(reference: Reference): Exit.Exit<never, unknown> | undefined {
    return this.gone === undefined ? undefined : Exit.fail(this.ownerGone(describe(reference), this.gone))
  }

  /**
   * Why `reference` cannot be used now: its owner is gone, or refused a post
   * this process sent before the call `id` (any new call, by default).
   */
  private refusal(reference: Reference, id = Infinity): Exit.Exit<never, unknown> | undefined {
    const gone = this.goneExit(reference)
    if (gone !== undefined) return gone
    const refused = this.refused.size === 0 ? undefined : this.refused.get(reference.id)
    if (refused === undefined || refused.postId > id) return undefined
    this.refused.delete(reference.id)
    return Exit.fail(refused.error)
  }

  /** Done once connected (the first use connects); fails when the owner cannot be reached. */
  private connected(reference: Reference): Effect.Effect<void, OwnerGoneError> {
    return Effect.flatMap(Effect.promise(() => this.connecting ??= this.connect()), (connected) =>
      typeof connected === "string" ? Effect.fail(this.ownerGone(describe(reference), connected)) : Effect.void)
  }

  /** Runs `method` on the owner's object for `caller`; `undo` says how to give back a success nobody will see. */
  call(
    reference: Reference,
    method: string,
    args: ReadonlyArray<unknown>,
    caller: string,
    undo?: Undo,
    accept?: Accept
  ): Effect.Effect<unknown, unknown> {
    const refusal = this.refusal(reference)
    if (refusal !== undefined) return refusal
    if (this.connection === undefined) {
      return Effect.flatMap(this.connected(reference), () => this.call(reference, method, args, caller, undo, accept))
    }
    const id = ++this.nextId
    const pending: Pending = {
      primitive: describe(reference),
      reference,
      resume: undefined,
      settled: undefined,
      waits: false,
      undo: undo === undefined ? undefined : (value) => {
        const compensation = undo(value)
        if (compensation !== undefined) this.unsafePost(reference, compensation[0], compensation[1], caller)
      },
      accept,
      abandoned: undefined
    }
    this.pending.set(id, pending)
    this.holdProcess()
    this.send(["call", id, reference.id, method, args, caller])
    // The reply usually comes within microseconds: read for it here rather than in the event loop
    // (when it is the only call waiting; something else that arrives first does not end the wait).
    // A reply that came meanwhile is given back as an Exit: no fiber waits for it.
    for (let tries = 0; tries < 3 && this.pending.size === 1 && this.pending.has(id) && !pending.waits; tries++) {
      if (this.connection?.unsafeSpin() !== true) break
    }
    if (pending.settled !== undefined) return pending.settled
    // The compat face waits with a callback (no fiber): nothing interrupts a Promise, so there is nothing to cancel.
    return awaiting(Effect.async<unknown, unknown>((resume) => {
      if (pending.settled !== undefined) return resume(pending.settled)
      pending.resume = resume
      // Interrupted: a success already handed over is undone; otherwise the owner is asked to cancel,
      // and the interruption completes once its final answer is in (a success then is undone too), so
      // that what the caller does next (release a Condition's lock …) comes after it.
      return Effect.suspend(() => {
        if (!this.pending.has(id)) {
          if (pending.settled !== undefined && Exit.isSuccess(pending.settled)) pending.undo?.(pending.settled.value)
          return Effect.void
        }
        return Effect.async<void>((done) => {
          pending.abandoned = () => done(Effect.void)
          this.send(["cancel", id])
        })
      })
    }), (done) => {
      if (pending.settled !== undefined) return done(pending.settled)
      pending.resume = done as (result: Effect.Effect<unknown, unknown>) => void
    })
  }

  /**
   * Runs `method` on the owner's object without waiting for it to be done: for
   * an operation that cannot fail there (a release of a lock this process
   * holds). It is written at once, before anything this process sends later on
   * any other connection, so that it reaches the owner before whatever it
   * causes; the owner reads it before reporting state (see `catchUp` in
   * server.ts). Should the owner refuse it after all, the next use of the
   * primitive from this process fails with the owner's error.
   */
  post(reference: Reference, method: string, args: ReadonlyArray<unknown>, caller: string, always = false): Effect.Effect<void, unknown> {
    const refusal = always ? this.goneExit(reference) : this.refusal(reference)
    if (refusal !== undefined) return refusal
    if (this.connection === undefined) return Effect.asVoid(this.call(reference, method, args, caller))
    this.unsafePost(reference, method, args, caller)
    this.connection?.unsafeFlush()
    return Exit.void
  }

  private unsafePost(reference: Reference, method: string, args: ReadonlyArray<unknown>, caller: string): void {
    this.send(["post", ++this.nextId, reference.id, method, args, caller])
  }

  /**
   * Posts `item` (or adds `count`) to `method` of `reference`, gathered with
   * the others of this tick into one post, which leaves at the end of the
   * tick, once it is large, or before anything else this channel sends: so
   * FIFO with every other operation of this process on the owner's objects.
   * Waits while the socket is congested (the owner reads slower than we post).
   */
  gather(reference: Reference, method: string, item: Uint8Array | undefined, count = 0, always = false): Effect.Effect<void, unknown> {
    const refusal = always ? this.goneExit(reference) : this.refusal(reference)
    if (refusal !== undefined) return refusal
    // Only the last entry takes more: a put between two taskDones must stay between them.
    let entry = this.gathered[this.gathered.length - 1]
    if (entry === undefined || entry.reference.id !== reference.id || entry.method !== method) {
      entry = { reference, method, items: [], bytes: 0, count: 0 }
      this.gathered.push(entry)
    }
    entry.count += count
    if (item !== undefined) {
      entry.items.push(item)
      entry.bytes += 4 + item.byteLength
    }
    // Until connected, what is gathered waits (the connection flushes it), and so does a process's exit.
    if (this.connection === undefined) return this.connected(reference)
    if (entry.bytes >= GATHERED_BYTES) this.flushGathered()
    else if (!this.gatherFlushQueued) {
      this.gatherFlushQueued = true
      process.nextTick(() => {
        this.gatherFlushQueued = false
        this.flushGathered()
      })
    }
    return this.congestion ?? Exit.void
  }

  /** Sends what was gathered, and writes it now: before anything this process sends later on another socket. */
  private flushGathered(): void {
    if (this.gathered.length === 0 || this.connection === undefined) return
    const entries = this.gathered
    this.gathered = []
    for (const { reference, method, items, count } of entries) {
      this.transmit(["post", ++this.nextId, reference.id, method, items.length > 0 ? [pack(items)] : [count], ""])
    }
    this.connection?.unsafeFlush()
  }

  /** Everything sent so far written to the socket (CPython's `join_thread`, for a queue's feeder). */
  get written(): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      this.flushGathered()
      const connection = this.connection
      if (connection === undefined) return resume(Effect.void)
      connection.unsafeFlush()
      const socket = connection.osSocket
      if (socket.destroyed || socket.writableLength === 0) return resume(Effect.void)
      socket.write(Buffer.alloc(0), () => resume(Effect.void))
    })
  }

  private send(request: Request): void {
    this.flushGathered()
    this.transmit(request)
  }

  private transmit(request: Request): void {
    const connection = this.connection
    if (connection === undefined) return
    const sent = connection.unsafeSend(request)
    if (Exit.isExit(sent)) {
      if (Exit.isFailure(sent)) this.ended()
      return
    }
    const sending = Effect.runFork(Effect.catchAll(sent, () => Effect.sync(() => this.ended())))
    if (this.congestion === undefined) {
      this.congestion = Fiber.join(sending)
      sending.addObserver(() => (this.congestion = undefined))
    }
  }
}

const channels = new Map<string, Channel>()


/**
 * Servers that are not of this process's family (remote managers this process,
 * or its parent, connected to): where this process reaches a server that names
 * itself otherwise in its references (a manager listening on all interfaces
 * names one of them), and the authkey to use there. The family's authkey is
 * used for the rest. See `remoteServers` in thisProcess/processGlobals.ts.
 */
export const useServer = (named: Listener.Address, reached: Listener.Address, authkey: Uint8Array): void => {
  remoteServers().set(addressKey(named), { reached, authkey: Buffer.from(authkey).toString("hex") })
  if (addressKey(reached) !== addressKey(named)) {
    remoteServers().set(addressKey(reached), { reached, authkey: Buffer.from(authkey).toString("hex") })
  }
}

/** Where `address` is reached, and with which authkey (undefined: the family's). */
const serverAt = (address: Listener.Address): { readonly reached: Listener.Address; readonly authkey: Buffer | undefined } => {
  const server = remoteServers().get(addressKey(address))
  return server === undefined
    ? { reached: address, authkey: undefined }
    : { reached: server.reached as Listener.Address, authkey: Buffer.from(server.authkey, "hex") }
}

/**
 * Why the server at `dialed` that calls itself `name` is not the owner meant
 * (undefined: it is). It must call itself by the address dialed, or by a name
 * this process was told is reached there (a remote manager, see `useServer`):
 * otherwise the reference that named `dialed` came from someone relaying
 * another server's handshake.
 */
const refuseServer = (name: string, dialed: Listener.Address): string | undefined => {
  const reached = remoteServers().get(name)?.reached as Listener.Address | undefined
  if (name === addressKey(dialed) || (reached !== undefined && addressKey(reached) === addressKey(dialed))) return undefined
  return `the server at ${addressKey(dialed)} is ${JSON.stringify(name.slice(0, 120))}, not the owner the reference names: ` +
    "a reference received from outside this process family (or relayed) is refused"
}

/**
 * Connects to the resource server at `address` (a remote manager a program
 * asked for by address) and gives the name it calls itself by, to be trusted
 * as reached there (`trustServer`). A wrong key fails with AuthenticationError.
 */
export const probe = (address: Listener.Address, authkey: Uint8Array) =>
  Effect.scoped(Effect.gen(function*() {
    let named = ""
    yield* connectWith(address, { authkey }, (channel, key) =>
      Effect.map(authenticateResourceServer(channel, key, () => undefined), (name) => {
        named = name
      }))
    return named
  }))

/** Trusts the server that calls itself `name` as reached at `reached`, with `authkey` (after `probe`). */
export const trustServer = (name: string, reached: Listener.Address, authkey: Uint8Array): void => {
  remoteServers().set(name, { reached, authkey: Buffer.from(authkey).toString("hex") })
}

/** Forgets a gone channel to `address`, so that the next call connects anew (a remote server that restarted). */
export const forgetGone = (address: Listener.Address): void => {
  const key = addressKey(address)
  if (channels.get(key)?.isGone === true) channels.delete(key)
}

/** The connection to the owner of `reference`, opened on first use. */
export const channel = (reference: Reference): Channel => {
  const address = serverAt(reference.address).reached
  const key = addressKey(address)
  let found = channels.get(key)
  if (found === undefined) {
    // A channel whose owner is gone stays: its address is never served again (each server start
    // makes a fresh directory), and later calls fail at once.
    found = new Channel(address, reference.ownerPid, reference.ownerName)
    channels.set(key, found)
  }
  return found
}
