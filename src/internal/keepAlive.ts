/**
 * Keeping this process alive while something waits, as a Python thread blocked
 * in `join()`, `get()` or `acquire()` keeps its process alive. Node exits when
 * nothing holds its event loop, and the handles that could end such a wait (a
 * daemon child, the resource server's clients) are deliberately unref'd so
 * that they never hold the process on their own.
 */
import { Effect, Exit } from "effect"

let waiting = 0
let holder: ReturnType<typeof setInterval> | undefined

const hold = () => {
  if (waiting++ === 0) holder = setInterval(() => {}, 2 ** 30)
}

const letGo = () => {
  if (--waiting === 0) {
    clearInterval(holder)
    holder = undefined
  }
}

/** `self`, holding the process alive while it waits (nothing at all when it is already done). */
export const keepingAlive = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Exit.isExit(self) ? self : Effect.acquireUseRelease(Effect.sync(hold), () => self, () => Effect.sync(letGo))
