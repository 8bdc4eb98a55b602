/**
 * Whether a wait should spin (read the socket itself for up to SPIN_MS) or
 * sleep in the kernel at once.
 *
 * A spin pays when the peer answers within it: the reply is taken without the
 * event loop's wake-up latency. It costs when the peer cannot run meanwhile:
 * with every core taken (another process computes), the core a spin holds is
 * the one the peer waits for (ping-pong 23 → 220 µs with one of two cores
 * busy). The outcome of a spin is the measure: a spin that nothing answered
 * makes the next waits sleep, 1, then 3, 7, up to 15 after misses in a row; one
 * answered spin ends that, so a peer that slept once answers the next spin.
 * An earlier rule, where misses outweighed hits two to one, ended with both
 * ends of a ping-pong asleep on an idle machine (each slow answer made the
 * other end sleep too): 26 → 131 µs. Gating spins on the kernel's count of
 * ready processes (/proc/loadavg, read once a millisecond) was tried too: it
 * made no difference with a busy core (214 against 231 µs, within noise) and
 * cost the idle case (46 against 37 µs), so it is not used.
 *
 * Plain Node only: the pool worker's loop (in the child bootstrap) uses it.
 */
import { availableParallelism } from "node:os"

const CPUS = availableParallelism()

/** Whether spinning can help at all: another CPU runs the peer meanwhile. */
export const SPINNING = CPUS > 1

/** Past this, a run of sleeping waits is 2^MAX_LEVEL - 1 long. */
const MAX_LEVEL = 4

export class SpinPolicy {
  private level = 0
  private skip = 0

  /** Whether this wait spins; when not, it sleeps in the event loop. */
  shouldSpin(): boolean {
    if (!SPINNING) return false
    if (this.skip > 0) {
      this.skip--
      return false
    }
    return true
  }

  /** How a spin ended: whether what it waited for came within the window. */
  ended(arrived: boolean): void {
    if (arrived) {
      this.level = 0
    } else {
      this.level = Math.min(MAX_LEVEL, this.level + 1)
      this.skip = (1 << this.level) - 1
    }
  }
}
