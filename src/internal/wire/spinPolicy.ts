/**
 * Whether a wait should spin (read the socket itself for up to SPIN_MS) or
 * sleep in the kernel at once.
 *
 * A spin pays when the peer answers within it on another core: the reply is
 * taken without the event loop's wake-up latency. It costs when the peer
 * cannot run meanwhile: with every core taken (another process computes), the
 * core a spin holds is the one the peer waits for, and the kernel's hand-off
 * from a writer that goes to sleep to the reader it woke (what keeps Python's
 * blocking reads at 25-35 µs on a loaded machine) never happens. Two signals
 * make a wait sleep, 1, then 3, 7, … up to 63 waits in a row as they repeat:
 * - a spin that nothing answered (the peer is slow, or it is not running);
 * - this process was preempted (its count of involuntary context switches,
 *   read at most once a millisecond, grew): another task wanted its core, so
 *   the cores are all busy and a spin would take one from someone.
 * One answered spin ends the sleeping, so a peer that slept once answers the
 * next spin.
 *
 * Measured (2 cores shared with other work, load average 9-20, ping-pong of
 * 16-byte messages, medians, Python in the same run): spinning on every wait
 * 233-258 µs against Python's 24; spins ruled by misses alone, by misses and
 * preemption, or none at all, 80-160 µs, within noise of each other. The
 * sleeping path was the cost: a receive that waited cost each end about 100
 * µs of CPU per round trip (a fiber per message), 35-45 since the compat face
 * waits with a callback (`AwaitKey` in faces.ts); Python spends 14-20, a bare
 * Node echo over 'data' events 16-22. `pipe_pingpong_busy_rtt_us` went from
 * 215-300 (7.7-9.7x Python's) to 107-111 (2.9-4.0x) in interleaved runs. A
 * blocking read in the kernel, as Python's (the descriptor made blocking, then
 * read), measured 40 µs against 70-117 for the event loop in the same run; it
 * cannot be bounded in time from JavaScript (no way out while the peer is
 * silent, and this process's timers and served objects stop meanwhile). Where
 * the addon is built, a connection's receive waits in the kernel with bounds
 * instead (kernelWait.ts), and this policy rules only the spins without it and
 * those of the pool.
 * Earlier: a rule where misses outweighed hits two to one ended with both ends
 * of a ping-pong asleep on an idle machine (26 → 131 µs, when sleeping still
 * cost a fiber); gating spins on /proc/loadavg made no difference with a busy
 * core and cost the idle case (46 against 37 µs).
 *
 * Plain Node only: the pool worker's loop (in the child bootstrap) uses it.
 */
import { builtin } from "../builtin.js"

let spinningHere: boolean | undefined

/**
 * Whether spinning can help at all: another CPU runs the peer meanwhile.
 * Asked at first use: `node:os` is one of the modules a child thread would
 * otherwise load at its start for nothing (its rings sleep, never spin).
 */
export const spinning = (): boolean =>
  (spinningHere ??= builtin<typeof import("node:os")>("node:os").availableParallelism() > 1)

/** Past this, a run of sleeping waits is 2^MAX_LEVEL - 1 long. */
const MAX_LEVEL = 6

/** How often the count of preemptions is read (a system call): at most once a millisecond. */
const CHECK_MS = 1

let checkedAt = -Infinity
let preemptions = 0
let preemptedAt = -Infinity

/**
 * Whether this process was preempted between the last two readings of its
 * count of involuntary context switches, the last one at most CHECK_MS ago.
 */
export const preempted = (now: number): boolean => {
  if (now - checkedAt >= CHECK_MS) {
    checkedAt = now
    const count = process.resourceUsage().involuntaryContextSwitches
    if (count !== preemptions) {
      preemptions = count
      preemptedAt = now
    }
  }
  return preemptedAt === checkedAt
}

export class SpinPolicy {
  private level = 0
  private skip = 0

  /** `contended`: whether the cores are all busy now (by default: this process was just preempted). */
  constructor(private readonly contended: (now: number) => boolean = preempted) {}

  /** Whether this wait spins; when not, it sleeps in the event loop. */
  shouldSpin(): boolean {
    if (!spinning()) return false
    if (this.skip > 0) {
      this.skip--
      return false
    }
    if (this.contended(performance.now())) {
      this.backOff()
      return false
    }
    return true
  }

  /** How a spin ended: whether what it waited for came within the window. */
  ended(arrived: boolean): void {
    if (arrived) this.level = 0
    else this.backOff()
  }

  private backOff(): void {
    this.level = Math.min(MAX_LEVEL, this.level + 1)
    this.skip = (1 << this.level) - 1
  }
}
