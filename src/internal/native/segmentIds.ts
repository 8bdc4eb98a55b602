/**
 * The ids of primitives in shared memory: "shm:" and their segment's name.
 * A Scope that made one unlinks its segment by its id when it closes, where a
 * served one is unregistered (served/backend.ts, `scopedServed`).
 */
import { unlink } from "./segment.js"

export const SHM_ID_PREFIX = "shm:"

export const isSharedMemoryId = (id: string): boolean => id.startsWith(SHM_ID_PREFIX)

export const segmentOf = (id: string): string => id.slice(SHM_ID_PREFIX.length)

/** Nobody can map the segment of the primitive `id` from now on (see segment.ts). */
export const unlinkSegment = (id: string): void => unlink(segmentOf(id))
