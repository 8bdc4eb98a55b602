/**
 * effect-multiprocessing/compat: Python's multiprocessing API for plain
 * TypeScript. Names are Python's in camelCase, keyword arguments are a trailing
 * options object, timeouts are seconds, anything that waits on another process
 * returns a Promise, and errors are `Error` subclasses with Python's names.
 *
 * @since 0.1.0
 */
import "../index.js" // every kind of shared object, so that each arrives here
export {
  AttributeError,
  AuthenticationError,
  BrokenBarrierError,
  BufferTooShort,
  Empty,
  EOFError,
  FileExistsError,
  FileNotFoundError,
  Full,
  IndexError,
  InputError,
  InvalidTargetError,
  KeyError,
  NotOwnerError,
  OSError,
  OwnerGoneError,
  ProcessError,
  ProcessExitedError,
  ProcessStateError,
  RemoteError,
  SerializationError,
  SharedMemoryUnavailableError,
  SoftTimeLimitExceeded,
  StartMethodError,
  SyncUnsupportedError,
  Terminated,
  TimeLimitExceeded,
  TimeoutError,
  TypeError,
  UnportableFunctionError,
  ValueError,
  WorkerLostError,
  WorkerStartupError
} from "../Errors.js"
export * as Target from "../Target.js"
export {
  activeChildren,
  cpuCount,
  currentProcess,
  freezeSupport,
  getAllStartMethods,
  getContext,
  getLogger,
  getStartMethod,
  logToStderr,
  parentProcess,
  setExecutable,
  setStartMethod
} from "./context.js"
export type { Logger, MultiprocessingContext, ParentProcess } from "./context.js"
export { Process, type ProcessOptions } from "./Process.js"
export * as serializer from "./serializer.js"
export type { Codec } from "./serializer.js"
export { type Address, Client, Connection, Listener, type ListenerHandle, Pipe, wait } from "./connection.js"
export { Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore } from "./synchronize.js"
export type { AcquireOptions, BarrierOptions } from "./synchronize.js"
export { Array, RawArray, RawValue, SharedArray, SharedValue, Value } from "./sharedctypes.js"
export type { Input, Item, SharedOptions, Typecode } from "./sharedctypes.js"
export { JoinableQueue, Queue, type QueueWaitOptions, SimpleQueue } from "./queues.js"
export { BaseManager, Manager, type ManagerAddress, type ManagerOptions, type ManagerServer, type ProxyOf, SyncManager } from "./managers.js"
export { DictProxy, ListProxy, NamespaceProxy } from "./managed.js"
export { ShareableList, SharedMemory, SharedMemoryManager, type SharedMemoryOptions } from "./sharedMemory.js"
export type { DictEntries, DictKey } from "./managed.js"
export { AsyncResult, IMapIterator, MapResult, Pool, ThreadPool } from "./pool.js"
export type { AsyncCallOptions, CallOptions, MapCallOptions, PoolOptions } from "./pool.js"
export { taskSignal } from "../ProcessPool.js"

// Which names are the library's, for the advice of the free-variable check (see runtime.ts).
import * as entry from "./index.js"
import { registerEntry } from "./runtime.js"
registerEntry("effect-multiprocessing/compat", entry)
