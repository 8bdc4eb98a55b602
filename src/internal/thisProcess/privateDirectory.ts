/**
 * The private (0700) directories this library makes in the system's temp
 * directory for Unix sockets: a process's resource server, a Listener given no
 * address, a Pipe being made; and the POSIX shared memory segments it names
 * itself (/dev/shm/emp-<kind>-<pid>-<random>). Each name carries the pid of the
 * process that made it, so that what a process that is gone left behind can be
 * found.
 *
 * Who removes them: the maker, with `remove` or at its normal exit; when it is
 * killed (any signal, SIGKILL too), a tracker started with its first directory
 * (Python's resource tracker, in a few lines of sh), and, when a process dies
 * by a signal, its parent; whatever still remains (the tracker killed too), the
 * next process that makes a directory sweeps. No signal handler is installed:
 * one would change what a signal does to the user's process (a main thread busy
 * in synchronous code would no longer die on Ctrl-C).
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { isAlive } from "./liveness.js"

const PREFIX = "emp-"
const NAME = /^emp-[a-z]+-(\d+)-/
/** Where Linux shows POSIX shared memory segments as files (shm_unlink is an unlink there). */
const SEGMENTS = "/dev/shm"

/** The places where leftovers are looked for: the temp directory, and the segments' where there is one. */
const places = (): Array<string> =>
  process.platform === "linux" ? [os.tmpdir(), SEGMENTS] : [os.tmpdir()]

/** The directories and segment files this process made and has not removed. */
const live = new Set<string>()
let started = false

const track = (made: string) => {
  live.add(made)
  if (!started) {
    started = true
    process.once("exit", () => {
      for (const left of live) fs.rmSync(left, { recursive: true, force: true })
    })
    startTracker()
    sweep()
  }
}

/** A fresh private directory for `kind` (`resources`, `listener`, `pipe`), named after this process. */
export const make = (kind: string): string => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${kind}-${process.pid}-`))
  track(directory)
  return directory
}

/** Removes a directory `make` gave. */
export const remove = (directory: string): void => {
  live.delete(directory)
  fs.rmSync(directory, { recursive: true, force: true })
}

/**
 * A fresh name for a POSIX shared memory segment of `kind` that this process is
 * about to create (`/emp-<kind>-<pid>-<random>`), removed as its directories
 * are when this process ends without having unlinked it (`segmentUnlinked`).
 */
export const segmentName = (kind: string): string => {
  const name = `/${PREFIX}${kind}-${process.pid}-${randomBytes(6).toString("hex")}`
  if (process.platform === "linux") track(path.join(SEGMENTS, name))
  return name
}

/** Tells that a segment `segmentName` gave is unlinked (or was never created): nothing to remove. */
export const segmentUnlinked = (name: string): void => {
  live.delete(path.join(SEGMENTS, name))
}

/** Removes the directories and segments a process that is gone left behind; in the background (the temp directory may be large). */
export const removeLeftoversOf = (pid: number): void => {
  for (const place of places()) {
    fs.readdir(place, (error, names) => {
      if (error) return
      for (const name of names) {
        if (NAME.exec(name)?.[1] === String(pid)) fs.rm(path.join(place, name), { recursive: true, force: true }, () => {})
      }
    })
  }
}

/**
 * A detached sh (its parent exits at once, so it is nobody's child) that waits
 * for this process to end, however it ends, then removes its directories and
 * segments. It
 * ignores the terminal's signals, which reach the whole process group (Ctrl-C),
 * so that it outlives this process. GNU tail's --pid waits without a process
 * per second; elsewhere a `kill -0` loop does.
 */
const TRACKER = `trap '' INT TERM HUP
( tail --pid="$1" -f /dev/null 2>/dev/null || while kill -0 "$1" 2>/dev/null; do sleep 1; done
  rm -rf "$2"/${PREFIX}[a-z]*-"$1"-* ${SEGMENTS}/${PREFIX}[a-z]*-"$1"-* ) </dev/null >/dev/null 2>&1 &`

const startTracker = () => {
  if (process.platform === "win32") return
  try {
    const tracker = spawn("/bin/sh", ["-c", TRACKER, "emp-tracker", String(process.pid), os.tmpdir()], { stdio: "ignore" })
    tracker.on("error", () => {}) // no sh: the sweep remains
    tracker.unref()
  } catch {
    // the sweep remains
  }
}

/** Start time (ms since the epoch) of a running process, where /proc tells it. */
const startedAt = (pid: number): number | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19])
    const boot = Number(/^btime (\d+)$/m.exec(fs.readFileSync("/proc/stat", "utf8"))![1])
    return (boot + ticks / 100) * 1000 // USER_HZ is 100 on Linux
  } catch {
    return undefined
  }
}

/** Whether the process that made a directory last changed at `changedMs` is gone (its pid free, or taken by a later process). */
const makerGone = (pid: number, changedMs: number): boolean => {
  if (!isAlive(pid)) return true
  // A live process with that pid: the maker only if it started before the directory was made (with a second's slack).
  const start = startedAt(pid)
  return start !== undefined && changedMs < start - 1000
}

/** Removes, in the background, the directories and segments of makers that are gone (this user's only). */
const sweep = () => {
  const uid = process.getuid?.()
  for (const place of places()) {
    fs.readdir(place, (error, names) => {
      if (error) return
      for (const name of names) {
        const maker = NAME.exec(name)
        if (maker === null || Number(maker[1]) === process.pid) continue
        const left = path.join(place, name)
        fs.stat(left, (error, stat) => {
          if (error || (uid !== undefined && stat.uid !== uid)) return
          if (makerGone(Number(maker[1]), stat.mtimeMs)) fs.rm(left, { recursive: true, force: true }, () => {})
        })
      }
    })
  }
}
