/**
 * The private (0700) directories this library makes in the system's temp
 * directory for Unix sockets: a process's resource server, a Listener given no
 * address, a Pipe being made. Each name carries the pid of the process that
 * made it, so that when a child dies by a signal (its exit hooks never run),
 * its parent removes what it left.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const PREFIX = "emp-"

/** A fresh private directory for `kind` (`resources`, `listener`, `pipe`), named after this process. */
export const make = (kind: string): string => fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${kind}-${process.pid}-`))

/** Removes the directories a process that is gone left behind; in the background (the temp directory may be large). */
export const removeLeftoversOf = (pid: number): void => {
  const tmp = os.tmpdir()
  const mine = new RegExp(`^${PREFIX}[a-z]+-${pid}-`)
  fs.readdir(tmp, (error, names) => {
    if (error) return
    for (const name of names) {
      if (mine.test(name)) fs.rm(path.join(tmp, name), { recursive: true, force: true }, () => {})
    }
  })
}
