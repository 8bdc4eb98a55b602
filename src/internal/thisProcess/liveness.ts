/**
 * Whether a process, by pid, still runs: the one answer used for a served
 * object's owner, a parent, and the maker of a private directory.
 */
import * as fs from "node:fs"

/**
 * Whether the process with `pid` lives; a pid of 0 or less stands for one this
 * process cannot see (a manager on another machine). A process of another user
 * lives (the signal is refused, not undelivered); a zombie (exited, not yet
 * reaped by its parent) has exited: signals still reach its pid.
 */
export const isAlive = (pid: number): boolean => {
  if (pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1")
    const state = stat[stat.lastIndexOf(")") + 2]
    return state !== "Z" && state !== "X"
  } catch {
    return true // no /proc (not Linux): the signal's answer stands
  }
}
