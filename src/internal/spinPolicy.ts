/**
 * Whether a wait should spin (read the socket itself for up to SPIN_MS) or
 * sleep in the kernel at once, decided from how recent spins ended.
 *
 * A spin pays when the peer answers within it: the reply is taken without the
 * event loop's wake-up latency. It costs when the peer cannot run meanwhile —
 * the machine's cores are all busy (another process computes), so the core
 * this spin holds is the one the peer waits for — and then every spin is lost
 * time for both (ping-pong 23 → 220 µs with one of two cores busy). The
 * outcome of a spin is the measure: a miss (nothing came within the window)
 * makes the next spins skipped, more of them after each miss; a hit makes
 * fewer. A miss counts twice a hit, as it costs about twice what a hit saves
 * (the window against the wake-up latency): spinning goes on only while more
 * than two in three spins are answered. Skipped waits keep probing now and
 * then, so spinning resumes once cores are free again.
 *
 * Asking the machine instead (another core idle?) costs more than a wake-up
 * saves, per wait: `os.loadavg()` took 27 µs and reading /proc/stat 100 µs on
 * this (loaded) machine; sampled now and then instead, loadavg is a minute's
 * average and /proc/stat counts a peer that spins as a busy core.
 *
 * Plain Node only: the pool worker's loop (in the child bootstrap) uses it.
 */
import { availableParallelism } from "node:os"

/** Whether spinning can help at all: another CPU runs the peer meanwhile. */
export const SPINNING = availableParallelism() > 1

/** Past this, a skip run is 2^MAX_LEVEL - 1 waits long. */
const MAX_LEVEL = 8

export class SpinPolicy {
  private level = 0
  private skip = 0

  /** Whether this wait spins; when not, it sleeps in the event loop. */
  shouldSpin(): boolean {
    if (!SPINNING) return false
    if (this.skip === 0) return true
    this.skip--
    return false
  }

  /** How a spin ended: whether what it waited for came within the window. */
  ended(arrived: boolean): void {
    if (arrived) {
      this.level = Math.max(0, this.level - 1)
    } else {
      this.level = Math.min(MAX_LEVEL, this.level + 2)
      this.skip = (1 << this.level) - 1
    }
  }
}
