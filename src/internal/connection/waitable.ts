/**
 * The key under which connections, listeners and process sentinels say whether
 * they are ready and how to wait until they are (see `Connection.Waitable`).
 */
import type * as Connection from "../../Connection.js"

export type { Readiness, Waitable } from "../../Connection.js"

export const WaitableTypeId: Connection.WaitableTypeId = Symbol.for("effect-multiprocessing/Waitable") as Connection.WaitableTypeId
