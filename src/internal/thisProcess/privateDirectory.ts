/**
 * The private (0700) directories this library makes in the system's temp
 * directory for Unix sockets: a process's resource server, a Listener given no
 * address, a Pipe being made. Each name carries the pid of the process that
 * made it, so that what a process that is gone left behind can be found.
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
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { isAlive } from "./liveness.js"

const PREFIX = "emp-"
const NAME = /^emp-[a-z]+-(\d+)-/

/** The directories this process made and has not removed. */
const live = new Set<string>()
let started = false

/** A fresh private directory for `kind` (`resources`, `listener`, `pipe`), named after this process. */
export const make = (kind: string): string => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${kind}-${process.pid}-`))
  live.add(directory)
  if (!started) {
    started = true
    process.once("exit", () => {
      for (const left of live) fs.rmSync(left, { recursive: true, force: true })
    })
    startTracker()
    sweep()
  }
  return directory
}

/** Removes a directory `make` gave. */
export const remove = (directory: string): void => {
  live.delete(directory)
  fs.rmSync(directory, { recursive: true, force: true })
}

/** Removes the directories a process that is gone left behind; in the background (the temp directory may be large). */
export const removeLeftoversOf = (pid: number): void => {
  const tmp = os.tmpdir()
  fs.readdir(tmp, (error, names) => {
    if (error) return
    for (const name of names) {
      if (NAME.exec(name)?.[1] === String(pid)) fs.rm(path.join(tmp, name), { recursive: true, force: true }, () => {})
    }
  })
}

/**
 * A detached sh (its parent exits at once, so it is nobody's child) that waits
 * for this process to end, however it ends, then removes its directories. It
 * ignores the terminal's signals, which reach the whole process group (Ctrl-C),
 * so that it outlives this process. GNU tail's --pid waits without a process
 * per second; elsewhere a `kill -0` loop does.
 */
const TRACKER = `trap '' INT TERM HUP
( tail --pid="$1" -f /dev/null 2>/dev/null || while kill -0 "$1" 2>/dev/null; do sleep 1; done
  rm -rf "$2"/${PREFIX}[a-z]*-"$1"-* ) </dev/null >/dev/null 2>&1 &`

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

/** Removes, in the background, the directories of makers that are gone (this user's only). */
const sweep = () => {
  const tmp = os.tmpdir()
  const uid = process.getuid?.()
  fs.readdir(tmp, (error, names) => {
    if (error) return
    for (const name of names) {
      const maker = NAME.exec(name)
      if (maker === null || Number(maker[1]) === process.pid) continue
      const directory = path.join(tmp, name)
      fs.stat(directory, (error, stat) => {
        if (error || (uid !== undefined && stat.uid !== uid)) return
        if (makerGone(Number(maker[1]), stat.mtimeMs)) fs.rm(directory, { recursive: true, force: true }, () => {})
      })
    }
  })
}
