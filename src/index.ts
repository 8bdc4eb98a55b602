/**
 * effect-multiprocessing: Python's multiprocessing for Node.js, as Effect
 * services. Provide `NodeMultiprocessing.layer` and use the modules below.
 *
 * @since 0.1.0
 */
import "./internal/kinds.js"
export * as Barrier from "./Barrier.js"
export * as Condition from "./Condition.js"
export * as Connection from "./Connection.js"
export * as Errors from "./Errors.js"
export * as Event from "./Event.js"
export * as Listener from "./Listener.js"
export * as Lock from "./Lock.js"
export * as Manager from "./Manager.js"
export * from "./Errors.js"
export * as Multiprocessing from "./Multiprocessing.js"
export * as NodeMultiprocessing from "./NodeMultiprocessing.js"
export * as Pipe from "./Pipe.js"
export * as Process from "./Process.js"
export * as ProcessContext from "./ProcessContext.js"
export * as ProcessPool from "./ProcessPool.js"
export * as ProcessQueue from "./ProcessQueue.js"
export * as Semaphore from "./Semaphore.js"
export * as Serializer from "./Serializer.js"
export * as ShareableList from "./ShareableList.js"
export * as SharedMemory from "./SharedMemory.js"
export * as SharedMemoryManager from "./SharedMemoryManager.js"
export * as SharedValue from "./SharedValue.js"
export * as Target from "./Target.js"

// Which names are the library's, for the advice of the free-variable check (internal/faces.ts).
import * as entry from "./index.js"
import { registerEntry } from "./internal/faces.js"
registerEntry("effect-multiprocessing", entry)
