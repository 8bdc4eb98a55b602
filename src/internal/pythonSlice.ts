/** Python's slice bounds, for every sequence the library serves (a manager's list, a shared Array). */
import { ValueError } from "../Errors.js"

/**
 * Python's `slice(start, stop, step).indices(length)`: a missing bound is the
 * start or end (by the step's direction), a negative one counts from the end,
 * and both clamp to the sequence. ValueError for a zero step.
 */
export const sliceIndices = (length: number, start: number | undefined, stop: number | undefined, step = 1) => {
  if (step === 0) throw new ValueError({ message: "slice step cannot be zero" })
  const [lower, upper] = step > 0 ? [0, length] : [-1, length - 1]
  const bound = (i: number | undefined, otherwise: number) =>
    i === undefined ? otherwise : i < 0 ? Math.max(i + length, lower) : Math.min(i, upper)
  return { start: bound(start, step > 0 ? lower : upper), stop: bound(stop, step > 0 ? upper : lower) }
}
