/**
 * Python's `SharedMemoryManager`: makes SharedMemory blocks and
 * ShareableLists, and unlinks every one of them when it shuts down. Python runs
 * a server process that tracks them; here the process that uses the manager
 * tracks them, and what a killed process made is still removed, by the sweep
 * of segments named after a process that is gone (privateDirectory.ts).
 */
import { Effect, type Scope } from "effect"
import { ValueError } from "../../Errors.js"
import { type Item, open as openList, type ShareableListImpl } from "./shareableList.js"
import { open as openSegment, type OpenError, type SharedMemoryImpl } from "./sharedMemory.js"

export class SharedMemoryManagerImpl {
  private readonly made = new Set<SharedMemoryImpl>()
  private down = false

  private track = <A>(open: Effect.Effect<A, OpenError>, segment: (a: A) => SharedMemoryImpl) =>
    Effect.suspend(() =>
      this.down
        ? Effect.fail(new ValueError({ message: "the SharedMemoryManager is shut down: make a new one" }))
        : Effect.tap(open, (a) => Effect.sync(() => this.made.add(segment(a))))
    )

  /** A new block of `size` bytes, unlinked at shutdown. */
  readonly SharedMemory = (size: number): Effect.Effect<SharedMemoryImpl, OpenError> =>
    this.track(openSegment({ create: true, size }), (shm) => shm)

  /** A new ShareableList of `sequence`, unlinked at shutdown. */
  readonly ShareableList = (sequence: ReadonlyArray<Item>): Effect.Effect<ShareableListImpl, OpenError> =>
    this.track(openList(sequence), (list) => list.shm)

  /** Unmaps and unlinks everything it made (idempotent). */
  readonly shutdown: Effect.Effect<void> = Effect.sync(() => {
    this.down = true
    for (const shm of this.made) {
      shm.closeNow()
      Effect.runSync(Effect.ignore(shm.unlink)) // already unlinked by its user: nothing to do
    }
    this.made.clear()
  })
}

export const make: Effect.Effect<SharedMemoryManagerImpl, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => new SharedMemoryManagerImpl()),
  (manager) => manager.shutdown
)
