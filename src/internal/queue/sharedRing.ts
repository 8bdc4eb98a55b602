/**
 * A queue's items in shared memory: a byte ring in a segment every process
 * that holds the queue maps, guarded by two shared futex mutexes
 * (lock/sharedMutex.ts), one for puts (they move HEAD) and one for gets (they
 * move TAIL), so a put or get is a copy into or out of the ring under one
 * compare-and-swap lock, with no syscall while nobody sleeps, and producers
 * never wait for consumers' copies nor consumers for producers'.
 *
 * Records are a length word and the encoded item, padded to 4 bytes; one that
 * does not fit before the ring's end leaves a WRAP word there and starts at
 * the front, so every item is contiguous. A put writes its record, then
 * publishes it with one store of HEAD; a get copies its record out, then
 * removes it with one store of TAIL: a process killed at any point, even
 * holding the lock (the next taker recovers it, see sharedMutex.ts), leaves
 * every record whole, and a consumer killed between two gets takes nothing
 * with it.
 *
 * A full ring: an unbounded queue's producer keeps what does not fit in a
 * backlog of its own ("held", counted in BACKLOG; see ringQueue.ts), and its
 * feeder pushes it in once gets drain the ring to half (FEED_WANTED).
 *
 * The overflow: an item that does not fit (larger than a quarter of the ring,
 * or a bounded queue's ring is full, or a backlog waited too long) goes to the queue's owner, served as before
 * (queueCore.ts), and OVERFLOW counts it until it is taken for good there.
 * While OVERFLOW is not zero every put goes there too, and gets take the ring
 * first: the ring then only holds items older than every overflowed one, so
 * each producer's items come out in order. Once the owner has handed out the
 * last overflowed item (it alone decrements OVERFLOW, when the taker
 * acknowledges it), puts go to the ring again.
 *
 * Sleepers use eventcounts (research: "Futexes are tricky"): a getter reads
 * NOT_EMPTY, announces itself in GET_WANTED, looks again, and sleeps on
 * NOT_EMPTY; a putter that finds GET_WANTED set clears it, bumps NOT_EMPTY
 * and wakes one sleeper. So a put makes a syscall only when a getter has
 * announced it sleeps, and then only the first put after. A woken getter
 * announces again for those still asleep (GET_SLEEPERS), and a get that
 * leaves items behind wakes the next sleeper: with many consumers, a put
 * wakes one, not all. NOT_FULL (a bounded queue's putters) and JOINED (a
 * JoinableQueue's join) wake every sleeper.
 */
import { Effect, Exit } from "effect"
import { OwnerGoneError } from "../../Errors.js"
import { LIVENESS_SLICE_MS, MUTEX_WORDS, SharedMutex } from "../lock/sharedMutex.js"
import { futexWait } from "../native/futexWait.js"
import type { WaitResult, Waker } from "../native/native.js"
import { attach, create, unlink } from "../native/segment.js"
import { isAlive } from "../thisProcess/liveness.js"

/**
 * Header words, by who writes them, a cache line (16 words) each: what the
 * puts write, what the gets write, what is set once, and the wake-up words.
 * A put and a get in two processes then never write the same line (with
 * one count of items that both changed, every item moved a line twice).
 */
/** The puts' lock (MUTEX_WORDS words from 0), the head, and how many records were ever put. */
const HEAD = 4
const PUTS = 5
/** The gets' own lock (MUTEX_WORDS words): gets take it, puts the one at word 0, so a producer never waits for a consumer. */
const GET_MUTEX = 16
const TAIL = 20
/** How many records were ever taken: PUTS - GETS (modulo 2^32) is the items in the ring, for qsize and maxsize. */
const GETS = 21
/** Set once (FLAGS rarely). */
const FLAGS = 32
const CAPACITY = 33
const MAXSIZE = 34
const OWNER_PID = 35
/** Eventcounts and announcements, and the counts besides the ring's. */
const OVERFLOW = 48
const NOT_EMPTY = 49
const GET_WANTED = 50
const NOT_FULL = 51
const PUT_WANTED = 52
const UNFINISHED = 53
const JOINED = 54
const JOIN_WANTED = 55
/** Getters asleep on NOT_EMPTY (or about to be). */
const GET_SLEEPERS = 56
/** Items producers hold in their backlogs (for qsize): put while the ring had no room, not yet in it. */
const BACKLOG = 57
/** A producer's feeder waits for the ring to drain to half (it sleeps on NOT_FULL). */
const FEED_WANTED = 58

/** Where the records start, in bytes. */
const DATA = 256

/** FLAGS: the queue has ended (puts fail, gets drain then fail with EOFError). */
const ENDED = 1
/** FLAGS: its owner closed it (joins fail: nobody will serve its overflow). */
const SHUT = 2
/** FLAGS: its owner exited. */
const GONE = 4

/** A length word that says: the next record is at the front. */
const WRAP = -1

/** The ring's bytes: about 30 000 small items; a page is only touched once an item reaches it. */
export const RING_BYTES = 1 << 20

/** How long a sleeper sleeps before it looks whether the owner still lives. */
export const SLEEP_SLICE_MS = LIVENESS_SLICE_MS

/** What a put into the ring did ("held": no room now; the producer keeps it in its backlog, counted already). */
export type PutAnswer = "put" | "overflow" | "held" | "full" | "ended" | "gone"

/** What a feeder's push of a held item did ("overflow": it goes to the owner, counted there already). */
export type PushAnswer = "put" | "overflow" | "noRoom" | "gone"

/** The rings this process made and has not closed: marked GONE when it exits, so nobody waits on it for ever. */
const owned = new Set<SharedRing>()
let exitHooked = false

const recordBytes = (length: number): number => 4 + ((length + 3) & ~3)

/**
 * Where items taken from a ring are copied: one block for many small items,
 * each a view of its part (never written again), as Node's Buffer pool does.
 * An ArrayBuffer of its own per item cost more than the rest of a get, and
 * the decoder reads views of one block without making anything per item
 * (see the codec's `decode`).
 */
const COPY_BLOCK = 64 * 1024
let copyBlock = new Int32Array(COPY_BLOCK >> 2)
/** The next free word of copyBlock. */
let copyUsed = 0

/** Records up to this many words are copied into the copy block; larger ones get an ArrayBuffer of their own. */
const SMALL_WORDS = COPY_BLOCK >> 6

/**
 * Before a get takes the lock: room in the copy block for any small record,
 * so that nothing is allocated while the lock is held (an allocation may
 * start a garbage collection, and every other consumer would wait for it).
 */
const copyRoom = (): void => {
  if (copyUsed + SMALL_WORDS > copyBlock.length) {
    copyBlock = new Int32Array(COPY_BLOCK >> 2)
    copyUsed = 0
  }
}

/**
 * Copies the `length` bytes of a record from `words[from]` on (records are
 * 4-aligned, padded to 4) into the copy block, under the lock: where they
 * went (a word index of copyBlock), or -1 for a large record, which the
 * caller copies itself.
 */
const copyOut = (words: Int32Array, from: number, length: number): number => {
  const count = (length + 3) >> 2
  if (count > SMALL_WORDS) return -1
  // Word by word: for the small items that are most of a queue's, faster than any copy call.
  const block = copyBlock
  const at = copyUsed
  for (let i = 0; i < count; i++) block[at + i] = words[from + i]
  copyUsed = at + count
  return at
}

export class SharedRing {
  private readonly mutex: SharedMutex
  private readonly getMutex: SharedMutex
  private readonly bytes: Uint8Array
  private readonly capacity: number
  readonly maxsize: number
  readonly ownerPid: number

  private constructor(
    private readonly shm: Waker,
    readonly name: string,
    private readonly words: Int32Array,
    private readonly caller: string
  ) {
    this.mutex = new SharedMutex(shm, words.subarray(0, MUTEX_WORDS), false)
    this.getMutex = new SharedMutex(shm, words.subarray(GET_MUTEX, GET_MUTEX + MUTEX_WORDS), false)
    this.capacity = words[CAPACITY]
    this.maxsize = words[MAXSIZE]
    this.ownerPid = words[OWNER_PID]
    this.bytes = new Uint8Array(words.buffer, words.byteOffset + DATA, this.capacity)
  }

  /** A new ring, owned by this process until `shutdown` (or its exit). */
  static make(shm: Waker, maxsize: number, caller: string): SharedRing {
    const segment = create(DATA + RING_BYTES)
    const words = segment.words
    words[CAPACITY] = RING_BYTES
    words[MAXSIZE] = Math.max(0, maxsize)
    words[OWNER_PID] = process.pid
    const ring = new SharedRing(shm, segment.name, words, caller)
    owned.add(ring)
    if (!exitHooked) {
      exitHooked = true
      process.once("exit", () => {
        for (const ring of owned) ring.mark(GONE)
      })
    }
    return ring
  }

  /** The ring called `name`, mapped here; undefined when it can no longer be mapped (its owner closed it or exited). */
  static attach(shm: Waker, name: string, caller: string): SharedRing | undefined {
    const segment = attach(name)
    return segment === undefined ? undefined : new SharedRing(shm, name, segment.words, caller)
  }

  private lock(): void {
    // A deadline only so that a holder in this process (another thread) is waited for, not refused.
    this.mutex.acquireSync(this.caller, true, 2 ** 30)
  }

  private unlock(): void {
    this.mutex.releaseRefused(this.caller)
  }

  private lockGets(): void {
    this.getMutex.acquireSync(this.caller, true, 2 ** 30)
  }

  private unlockGets(): void {
    this.getMutex.releaseRefused(this.caller)
  }

  /**
   * Puts `item` in the ring (or says it must overflow, counting it there
   * already). `mayHold`: an unbounded queue's producer with a backlog (see
   * RingQueue) keeps an item that is not too large when the ring has no room
   * now ("held", counted in BACKLOG and as a task already), instead of sending
   * it to the owner.
   */
  put(item: Uint8Array, joinable: boolean, mayHold = false): PutAnswer {
    const words = this.words
    this.lock()
    const flags = words[FLAGS]
    if (flags !== 0) {
      this.unlock()
      return (flags & GONE) !== 0 ? "gone" : "ended"
    }
    if (this.maxsize > 0 && this.inRing() + Atomics.load(words, OVERFLOW) >= this.maxsize) {
      this.unlock()
      return "full"
    }
    const need = recordBytes(item.length)
    const at = Atomics.load(words, OVERFLOW) > 0 || need > this.capacity / 4 ? -1 : this.place(need)
    if (joinable) Atomics.add(words, UNFINISHED, 1)
    if (at < 0) {
      if (mayHold && this.maxsize <= 0 && need <= this.capacity / 4 && Atomics.load(words, OVERFLOW) === 0) {
        Atomics.add(words, BACKLOG, 1)
        this.unlock()
        return "held"
      }
      Atomics.add(words, OVERFLOW, 1)
      this.unlock()
      return "overflow"
    }
    this.write(item, at, need)
    this.unlock()
    if (Atomics.load(words, GET_WANTED) !== 0) this.signal(GET_WANTED, NOT_EMPTY, 1)
    return "put"
  }

  /** Writes a record at `at` and publishes it (under the lock). */
  private write(item: Uint8Array, at: number, need: number): void {
    const words = this.words
    words[(DATA + at) >> 2] = item.length
    this.bytes.set(item, at + 4)
    // Counted before it is published: a get that takes it at once never makes the count negative.
    Atomics.store(words, PUTS, words[PUTS] + 1)
    // The record is written: one store publishes it (a producer killed before it left nothing behind).
    const next = at + need
    Atomics.store(words, HEAD, next === this.capacity ? 0 : next)
  }

  /**
   * A put while this producer's backlog is not empty: the item joins it
   * ("held", counted as put), behind the items held before it; "ended" or
   * "gone" as a put.
   */
  hold(joinable: boolean): "held" | "ended" | "gone" {
    const words = this.words
    const flags = Atomics.load(words, FLAGS)
    if (flags !== 0) return (flags & GONE) !== 0 ? "gone" : "ended"
    if (joinable) Atomics.add(words, UNFINISHED, 1)
    Atomics.add(words, BACKLOG, 1)
    return "held"
  }

  /**
   * A feeder's push of its oldest held item into the ring (it was counted
   * when put, and an end since does not refuse it: it was put before).
   * "overflow": items went to the owner since (OVERFLOW is not zero), so this
   * one must go there too, behind them; counted there now.
   */
  push(item: Uint8Array): PushAnswer {
    const words = this.words
    this.lock()
    if ((words[FLAGS] & GONE) !== 0) {
      this.unlock()
      return "gone"
    }
    if (Atomics.load(words, OVERFLOW) > 0) {
      Atomics.add(words, OVERFLOW, 1)
      Atomics.sub(words, BACKLOG, 1)
      this.unlock()
      return "overflow"
    }
    const need = recordBytes(item.length)
    const at = this.place(need)
    if (at < 0) {
      this.unlock()
      return "noRoom"
    }
    this.write(item, at, need)
    Atomics.sub(words, BACKLOG, 1)
    this.unlock()
    if (Atomics.load(words, GET_WANTED) !== 0) this.signal(GET_WANTED, NOT_EMPTY, 1)
    return "put"
  }

  /** `count` held items go to the owner instead (their feeder gave up waiting for room): counted there. */
  spill(count: number): void {
    Atomics.add(this.words, OVERFLOW, count)
    Atomics.sub(this.words, BACKLOG, count)
  }

  /** `count` held items dropped (the owner has gone): no longer counted. */
  dropHeld(count: number): void {
    Atomics.sub(this.words, BACKLOG, count)
  }

  /** Where gets take from: it moves as long as somebody takes items. */
  get tail(): number {
    return Atomics.load(this.words, TAIL)
  }

  /**
   * Where a record of `need` bytes goes (a WRAP word left at the head when it
   * goes to the front); -1 when it does not fit now. The head never catches
   * up with the tail: HEAD === TAIL means empty, and the bytes in use are
   * what lies from the tail to the head, wrap included.
   */
  private place(need: number): number {
    const words = this.words
    const capacity = this.capacity
    const head = words[HEAD]
    // The gets move it meanwhile (they hold their own lock): an older value only sees less room.
    const tail = Atomics.load(words, TAIL)
    if (head < tail) return need < tail - head ? head : -1
    if (need < capacity - head || (need === capacity - head && tail > 0)) return head
    if (need >= tail) return -1
    words[(DATA + head) >> 2] = WRAP
    return 0
  }

  /** The oldest item of the ring, copied out and removed; undefined when the ring is empty. */
  pop(): Uint8Array | undefined {
    const words = this.words
    if (Atomics.load(words, HEAD) === Atomics.load(words, TAIL)) return undefined
    copyRoom()
    this.lockGets()
    let tail = words[TAIL]
    if (Atomics.load(words, HEAD) === tail) {
      this.unlockGets()
      return undefined
    }
    let length = words[(DATA + tail) >> 2]
    if (length === WRAP) {
      tail = 0
      length = words[DATA >> 2]
    }
    const block = copyBlock
    const at = copyOut(words, (DATA + tail + 4) >> 2, length)
    // A large record: copied with an allocation under the lock (rare; its copy costs more than the allocation).
    const item = at < 0 ? new Uint8Array(words.buffer, words.byteOffset + DATA + tail + 4, length).slice() : undefined
    // Copied out: one store removes it (a consumer killed before it took nothing).
    const after = tail + recordBytes(length)
    const next = after === this.capacity ? 0 : after
    Atomics.store(words, TAIL, next)
    Atomics.store(words, GETS, words[GETS] + 1)
    const head = Atomics.load(words, HEAD)
    const more = head !== next
    this.unlockGets()
    if (Atomics.load(words, PUT_WANTED) !== 0) this.signal(PUT_WANTED, NOT_FULL)
    // A feeder waits for half the ring: it then fills it in one go, not one wake-up per get.
    if (Atomics.load(words, FEED_WANTED) !== 0 && (head >= next ? head - next : this.capacity - next + head) <= this.capacity >> 1) {
      this.signal(FEED_WANTED, NOT_FULL)
    }
    // Items left and getters asleep: the next one's turn (a put woke only one getter).
    if (more && Atomics.load(words, GET_SLEEPERS) > 0) this.signal(GET_WANTED, NOT_EMPTY, 1)
    return item ?? new Uint8Array(block.buffer, at << 2, length)
  }

  /** Records in the ring (each count is written by one side only, under its lock; the gets' read first, so never negative). */
  private inRing(): number {
    const gets = Atomics.load(this.words, GETS)
    return (Atomics.load(this.words, PUTS) - gets) | 0
  }

  /** Items in the ring, in the overflow and held by producers (Python's `qsize`, which counts its feeders' buffers too). */
  get size(): number {
    return this.inRing() + Atomics.load(this.words, OVERFLOW) + Atomics.load(this.words, BACKLOG)
  }

  get isFull(): boolean {
    return this.maxsize > 0 && this.size >= this.maxsize
  }

  get hasItems(): boolean {
    return Atomics.load(this.words, HEAD) !== Atomics.load(this.words, TAIL)
  }

  /** Items overflowed to the owner and not yet taken for good there. */
  get overflowing(): boolean {
    return Atomics.load(this.words, OVERFLOW) > 0
  }

  get ended(): boolean {
    return (Atomics.load(this.words, FLAGS) & ENDED) !== 0
  }

  get shut(): boolean {
    return (Atomics.load(this.words, FLAGS) & SHUT) !== 0
  }

  /** Its owner exited: marked by the owner as it exits, or found dead by a sleeper. */
  get gone(): boolean {
    return (Atomics.load(this.words, FLAGS) & GONE) !== 0
  }

  /** Whether the owner has exited, looking at its pid (a sleeper's check: an owner killed could not mark it). */
  ownerDied(): boolean {
    if (this.gone) return true
    if (this.ownerPid === process.pid || isAlive(this.ownerPid)) return false
    this.mark(GONE)
    return true
  }

  goneError(kind: string, ownerName: string): OwnerGoneError {
    return new OwnerGoneError({ primitive: `${kind} ${this.name}`, ownerPid: this.ownerPid, ownerName, reason: "has exited" })
  }

  /** The owner took `count` overflowed items for good. */
  overflowTaken(count: number): void {
    Atomics.sub(this.words, OVERFLOW, count)
    this.signal(PUT_WANTED, NOT_FULL)
    this.signal(GET_WANTED, NOT_EMPTY)
  }

  /** Overflowed items reached the owner (or came back to it): getters waiting for them look again. */
  overflowArrived(): void {
    this.signal(GET_WANTED, NOT_EMPTY)
  }

  /** The word a getter sleeps on, read and announced (look again before sleeping on it). */
  announceGet(): number {
    const seen = Atomics.load(this.words, NOT_EMPTY)
    Atomics.store(this.words, GET_WANTED, 1)
    return seen
  }

  announcePut(): number {
    const seen = Atomics.load(this.words, NOT_FULL)
    Atomics.store(this.words, PUT_WANTED, 1)
    return seen
  }

  /** A feeder's announcement: woken (on NOT_FULL) once the ring is at most half full. */
  announceFeed(): number {
    const seen = Atomics.load(this.words, NOT_FULL)
    Atomics.store(this.words, FEED_WANTED, 1)
    return seen
  }

  /**
   * Sleeps (blocking nothing: see futexWait) on one of the ring's sequence
   * words while it is still `seen`, at most `millis`.
   */
  sleep(on: "notEmpty" | "notFull" | "joined", seen: number, millis: number): Effect.Effect<WaitResult> {
    if (on !== "notEmpty") return futexWait(this.shm, this.words, on === "notFull" ? NOT_FULL : JOINED, seen, millis)
    const words = this.words
    Atomics.add(words, GET_SLEEPERS, 1)
    return Effect.onExit(futexWait(this.shm, words, NOT_EMPTY, seen, millis), (exit) =>
      Effect.sync(() => {
        // A put wakes one getter: the others stay announced for the next put.
        if (Atomics.sub(words, GET_SLEEPERS, 1) <= 1) return
        Atomics.store(words, GET_WANTED, 1)
        // Interrupted after a put woke it: the item is another's to take.
        if (Exit.isInterrupted(exit) && this.inRing() > 0) this.signal(GET_WANTED, NOT_EMPTY, 1)
      }))
  }

  /** Wakes `count` of who announced themselves in `wanted` (all by default: each looks again). */
  private signal(wanted: number, sequence: number, count = 0x7fffffff): void {
    if (Atomics.exchange(this.words, wanted, 0) === 0) return
    Atomics.add(this.words, sequence, 1)
    this.shm.wake(this.words, sequence, count)
  }

  /** Wakes every sleeper of every kind: the queue ended, or its owner has gone. */
  private wakeAll(): void {
    for (const sequence of [NOT_EMPTY, NOT_FULL, JOINED]) {
      Atomics.add(this.words, sequence, 1)
      this.shm.wake(this.words, sequence, 0x7fffffff)
    }
  }

  private mark(flag: number): void {
    Atomics.or(this.words, FLAGS, flag)
    this.wakeAll()
  }

  /** Ends the queue for every process (see ProcessQueue `end`). */
  end(): void {
    this.mark(ENDED)
  }

  /** Its owner stops serving it: ended, and joins fail; nobody can attach it from now on. */
  shutdown(): void {
    owned.delete(this)
    this.mark(ENDED | SHUT)
    unlink(this.name)
  }

  /** A JoinableQueue's `task_done()`: false when called more times than items were put. */
  taskDone(): boolean {
    const words = this.words
    for (;;) {
      const unfinished = Atomics.load(words, UNFINISHED)
      if (unfinished <= 0) return false
      if (Atomics.compareExchange(words, UNFINISHED, unfinished, unfinished - 1) !== unfinished) continue
      if (unfinished === 1) this.signal(JOIN_WANTED, JOINED)
      return true
    }
  }

  /** Whether every item put was marked done. */
  get joined(): boolean {
    return Atomics.load(this.words, UNFINISHED) === 0
  }

  announceJoin(): number {
    const seen = Atomics.load(this.words, JOINED)
    Atomics.store(this.words, JOIN_WANTED, 1)
    return seen
  }
}
