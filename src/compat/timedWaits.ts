/**
 * Python's answers to the timed waits whose timeout runs out, in one place.
 * The Effect face fails every such wait with `TimeoutError`; Python answers
 * false or None, or raises what its module raises, and so does this face
 * (`runTimedWait` in runtime.ts applies them). Waits not listed here answer
 * alike in both faces: `Connection.poll` (false) and `wait(objects)` ([]),
 * whose answer is the point, and `AsyncResult.get` and an `imap`'s `next`,
 * which raise TimeoutError in Python too.
 */
import { Exit } from "effect"
import { BrokenBarrierError, Empty, Full } from "../Errors.js"
import type { PythonTimedWait, PythonTimedWaitDone } from "./runtime.js"

/** `acquire(true, s)` (and `acquireSync`): false. */
export const acquired: PythonTimedWait<boolean, boolean> = { onTimeout: () => Exit.succeed(false) }

/** `Event.wait(s)`, `Condition.wait(s)`, `Condition.waitFor(p, s)`: true in time, else false. */
export const woken: PythonTimedWaitDone<void, boolean> = { onTimeout: () => Exit.succeed(false), done: () => true }

/** `Process.join(s)`: None (null here) while the process still runs. */
export const joined: PythonTimedWait<number, number | null> = { onTimeout: () => Exit.succeed(null) }

/** `Queue.get(true, s)`: raises `Empty`. */
export const got: PythonTimedWait<any, never> = { onTimeout: () => Exit.fail(new Empty()) }

/** `Queue.put(obj, true, s)`: raises `Full`. */
export const put: PythonTimedWait<void, never> = { onTimeout: () => Exit.fail(new Full()) }

/** `Barrier.wait(s)`: raises `BrokenBarrierError`, the barrier broken for every party (as it is in both faces). */
export const metAll: PythonTimedWait<number, never> = {
  onTimeout: (timedOut) => Exit.fail(new BrokenBarrierError({ message: timedOut.message }))
}
