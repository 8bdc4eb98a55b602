/**
 * Every kind of shared object this version knows: loading this module
 * registers how each is rebuilt in another process (each kind's module calls
 * `registerRevival` next to its definition). Adding a kind is one line here.
 * What revives references (the package's entry points, the child bootstrap, a
 * manager's server) loads it first.
 */
import "./lock/lock.js"
import "./sync/event.js"
import "./sync/condition.js"
import "./sync/barrier.js"
import "./sharedValue/sharedValue.js"
import "./queue/queueHandle.js"
import "./manager/list.js"
import "./manager/dict.js"
import "./manager/namespace.js"
import "./manager/customProxy.js"
import "./sharedMemory/sharedMemory.js"
import "./sharedMemory/shareableList.js"

export { reviveHandles } from "./served/revivePlaceholders.js"
