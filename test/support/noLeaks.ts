/**
 * After each test file: no child process of ours is left running. Children get
 * a moment to finish exiting; then whatever remains fails the file (and is
 * killed, so one leak does not spill into the next file).
 */
import { afterAll, expect } from "vitest"
import { descendants, waitUntil } from "./processes.js"

afterAll(async () => {
  await waitUntil(() => descendants().length === 0, 3000)
  const left = descendants()
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // already gone
    }
  }
  expect(left, "child processes left running by this test file").toEqual([])
})
