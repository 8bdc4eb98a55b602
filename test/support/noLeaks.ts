/**
 * After each test file: no child process of ours is left running, this
 * process holds no more sockets than when the file started (each child's control
 * channel is one), and no process that is gone left a socket directory or a shared-memory segment behind. Children get a moment to finish exiting; whatever remains
 * fails the file (and is killed, so one leak does not spill into the next file).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import { afterAll, beforeAll, expect } from "vitest"
import { descendants, isRunning, waitUntil } from "./processes.js"

/** The library's socket directories (`emp-<kind>-<pid>-…`) made since this file began, whose maker is gone. */
const orphanedDirectories = (): Array<string> =>
  fs.readdirSync(os.tmpdir()).filter((name) => {
    const maker = /^emp-[a-z]+-(\d+)-/.exec(name)
    if (maker === null || isRunning(Number(maker[1]))) return false
    try {
      return fs.statSync(`${os.tmpdir()}/${name}`).mtimeMs >= fileStarted
    } catch {
      return false // removed while we looked
    }
  })

/** The library's shared-memory segments (`/dev/shm/emp-<kind>-<pid>-…`) made since this file began, whose maker is gone. */
const orphanedSegments = (): Array<string> => {
  let names: Array<string>
  try {
    names = fs.readdirSync("/dev/shm")
  } catch {
    return [] // no /dev/shm (not Linux): no segments either
  }
  return names.filter((name) => {
    const maker = /^emp-[a-z]+-(\d+)-/.exec(name)
    if (maker === null || isRunning(Number(maker[1]))) return false
    try {
      return fs.statSync(`/dev/shm/${name}`).mtimeMs >= fileStarted
    } catch {
      return false // unlinked while we looked
    }
  })
}

const openSockets = (): number =>
  fs.readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")
    } catch {
      return false // closed while we looked
    }
  }).length

let socketsBefore = 0
let fileStarted = 0
beforeAll(() => {
  socketsBefore = openSockets()
  fileStarted = Date.now() - 1000
})

afterAll(async () => {
  await waitUntil(
    () => descendants().length === 0 && openSockets() <= socketsBefore && orphanedDirectories().length === 0 && orphanedSegments().length === 0,
    10_000 // returns as soon as all is gone; the limit only bounds a leak's report on a busy machine
  )
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
  expect(orphanedDirectories(), "socket directories left by processes that are gone").toEqual([])
  expect(orphanedSegments(), "shared-memory segments left by processes that are gone").toEqual([])
})
