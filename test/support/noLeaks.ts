/**
 * After each test file: no child process of ours is left running, and this
 * process holds no more sockets than when the file started (each child's control
 * channel is one). Children get a moment to finish exiting; whatever remains
 * fails the file (and is killed, so one leak does not spill into the next file).
 */
import * as fs from "node:fs"
import { afterAll, beforeAll, expect } from "vitest"
import { descendants, waitUntil } from "./processes.js"

const openSockets = (): number =>
  fs.readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")
    } catch {
      return false // closed while we looked
    }
  }).length

let socketsBefore = 0
beforeAll(() => {
  socketsBefore = openSockets()
})

afterAll(async () => {
  await waitUntil(() => descendants().length === 0 && openSockets() <= socketsBefore, 3000)
  const left = descendants()
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // already gone
    }
  }
  expect(left, "child processes left running by this test file").toEqual([])
  expect(openSockets(), "sockets left open by this test file").toBeLessThanOrEqual(socketsBefore)
})
