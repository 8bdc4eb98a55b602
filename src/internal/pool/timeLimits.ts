/**
 * A task's time limits. The soft one is the worker's to keep (`worker.ts`
 * aborts the task's signal and answers SOFT_TIME_LIMIT); the hard one, and
 * the grace a withdrawn task is given to let go, are the pool's: past them it
 * kills the worker, which then fails only the task it ran.
 */
import { Duration, Either } from "effect"
import { TimeLimitExceeded, ValueError } from "../../Errors.js"
import type { TaskOptions } from "../../ProcessPool.js"
import type { Task } from "./scheduler.js"
import type { WorkerRecord } from "./workers.js"

export interface TaskLimits {
  readonly timeoutMs?: number | undefined
  readonly softTimeoutMs?: number | undefined
}

/** Timers hold at most this many milliseconds (about 24.8 days); a longer limit is no limit. */
const LONGEST_TIMER_MS = 2 ** 31 - 1
/** A cancelled task still running after this long is stopped with its worker. */
const CANCEL_GRACE_MS = 200

/**
 * A time limit in whole milliseconds: undefined when not given, 0 for none
 * (infinite, or longer than a timer can hold: this overrides a pool's
 * default); `ValueError` unless positive.
 */
export const limitMillis = (duration: Duration.DurationInput | undefined, name: string): Either.Either<number | undefined, ValueError> => {
  if (duration === undefined) return Either.right(undefined)
  const decoded = Duration.decodeUnknown(duration)
  if (decoded._tag === "None") return Either.left(new ValueError({ message: `${name} must be a duration, got ${String(duration)}` }))
  const millis = Duration.toMillis(decoded.value)
  if (!(millis > 0)) return Either.left(new ValueError({ message: `${name} must be positive, got ${Duration.format(decoded.value)}` }))
  return Either.right(millis > LONGEST_TIMER_MS ? 0 : Math.ceil(millis))
}

export const limitsOf = (options: TaskOptions<any, any> | undefined): Either.Either<TaskLimits, ValueError> =>
  options === undefined || (options.timeout === undefined && options.softTimeout === undefined)
    ? Either.right({})
    : Either.flatMap(limitMillis(options.timeout, "timeout"), (timeoutMs) =>
      Either.map(limitMillis(options.softTimeout, "softTimeout"), (softTimeoutMs) => ({ timeoutMs, softTimeoutMs })))

/** Starts the hard limit of the task a worker runs now (its oldest unanswered), counted from now. */
export const armHardLimit = (worker: WorkerRecord): void => {
  const running = worker.running
  if (running === worker.timedTask) return
  if (worker.hardTimer !== undefined) clearTimeout(worker.hardTimer)
  worker.hardTimer = undefined
  worker.timedTask = running
  if (running === undefined || running.hardMs <= 0) return
  worker.hardTimer = setTimeout(() => {
    if (worker.running !== running) return
    worker.kill(
      running,
      new TimeLimitExceeded({
        message: `task ${running.fn.name} ran past its time limit of ${running.hardMs} ms: ` +
          `worker ${worker.name} (pid ${worker.pid}) was killed and replaced`,
        pid: worker.pid,
        limitMs: running.hardMs
      })
    )
  }, running.hardMs)
  worker.hardTimer.unref()
}

/**
 * A withdrawn task that `worker` runs: an asynchronous one lets go when told,
 * a synchronous one cannot hear, so its worker is killed after a grace period.
 */
export const stopAfterGrace = (worker: WorkerRecord, running: Task): void => {
  setTimeout(() => {
    if (worker.running === running) worker.kill(running, undefined)
  }, CANCEL_GRACE_MS).unref()
}
