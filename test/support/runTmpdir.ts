/**
 * One temp directory for the whole test run, inherited by every worker and
 * every process the tests start: the socket directories the tests leave
 * behind are checked there (test/support/noLeaks.ts) without seeing anyone
 * else's, and whatever remains is removed at the end.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export default function setup() {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "emp-tests-"))
  const before = process.env.TMPDIR
  process.env.TMPDIR = directory
  return () => {
    if (before === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = before
    fs.rmSync(directory, { recursive: true, force: true })
  }
}
