/**
 * One temp directory for the whole test run, inherited by every worker and
 * every process the tests start: the socket directories the tests leave
 * behind are checked there (test/support/noLeaks.ts) without seeing anyone
 * else's, and whatever remains is removed at the end. Each vitest project runs
 * this setup; the first one makes the directory, the others share it.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const made = "EMP_TESTS_TMPDIR"

export default function setup() {
  if (process.env[made] !== undefined) return
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "emp-tests-"))
  const before = process.env.TMPDIR
  process.env.TMPDIR = directory
  process.env[made] = directory
  return () => {
    if (before === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = before
    delete process.env[made]
    fs.rmSync(directory, { recursive: true, force: true })
  }
}
