/**
 * The addon's waiting read (native/readable.c's readWaiting, reached through
 * src/internal/wire/kernelWait.ts): a read that waits for its bytes as a blocking read waits,
 * bounded by its cap and the loop's next timer, on a descriptor that stays non-blocking for
 * everyone else. Runs where the addon is built (the "core" project; CI requires it on Linux).
 * The waits of a process with no timer pending (the blocking read itself) run in processes of
 * their own: this one's loop has the test runner's timers.
 */
import { execFileSync, spawn } from "node:child_process"
import { once } from "node:events"
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type * as KernelWaitModule from "../../../src/internal/wire/kernelWait.js"
import type * as SynchronousReadModule from "../../../src/internal/wire/synchronousRead.js"

const dist = (file: string) => new URL(`../../../dist/${file}`, import.meta.url).href
const { readWaiting, WAITED_CAP, WAITED_LOOP, WAITED_UNBOUNDED }: typeof KernelWaitModule = await import(dist("internal/wire/kernelWait.js"))
const { descriptorOf }: typeof SynchronousReadModule = await import(dist("internal/wire/synchronousRead.js"))

/** O_NONBLOCK of the open file behind `fd` in this process, from /proc (the flags are octal). */
const nonBlocking = (fd: number): boolean => {
  const flags = /flags:\s*([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))![1]
  return (Number.parseInt(flags, 8) & 0o4000) !== 0
}

/** Two connected Unix sockets in this process; `use` gets them, and the descriptor of the first. */
const withSockets = async (use: (reader: net.Socket, writer: net.Socket, fd: number) => Promise<void> | void) => {
  const dir = mkdtempSync(join(tmpdir(), "read-waiting-"))
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(join(dir, "s"), resolve))
  const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve))
  const reader = net.connect(join(dir, "s"))
  await new Promise((resolve) => reader.once("connect", resolve))
  const writer = await accepted
  try {
    reader.pause()
    writer.pause()
    await use(reader, writer, descriptorOf(reader)!)
  } finally {
    reader.destroy()
    writer.destroy()
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Runs `script` (an ES module) in a node of its own, the sockets' descriptors as its 3 and 4; its last line of output, parsed. */
const inProcess = async (script: string, stdio: Array<net.Socket>): Promise<unknown> => {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit", ...stdio] })
  let out = ""
  child.stdout!.on("data", (chunk) => (out += chunk))
  const [code] = await once(child, "exit")
  expect(code).toBe(0)
  return JSON.parse(out.trim().split("\n").pop()!)
}

const imports = `
  const { readWaiting, writeDirect, WAITED_CAP, WAITED_LOOP } = await import(${JSON.stringify(dist("internal/wire/kernelWait.js"))})
  const { readFileSync } = await import("node:fs")
  const flags = (fd) => Number.parseInt(/flags:\\s*([0-7]+)/.exec(readFileSync("/proc/self/fdinfo/" + fd, "utf8"))[1], 8)
`

describe.runIf(readWaiting !== undefined)("readWaiting", () => {
  describe("bytes already there", () => {
    // One pair of sockets for every run: a run reads all it wrote, so the next starts with nothing there.
    let pair: { readonly reader: number; readonly writer: number; readonly close: () => Promise<void> }
    beforeAll(async () => {
      let opened: (value: typeof pair) => void
      const ready = new Promise<typeof pair>((resolve) => (opened = resolve))
      let release: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      const done = withSockets((_reader, writer, fd) => {
        opened({ reader: fd, writer: descriptorOf(writer)!, close: () => (release(), done) })
        return released
      })
      pair = await ready
    })
    afterAll(() => pair.close())

    it.prop("are read at once, into the range asked, and the descriptor is left non-blocking", [
      fc.uint8Array({ minLength: 1, maxLength: 200 }),
      fc.nat(60)
    ], ([bytes, at]) => {
      writeSync(pair.writer, bytes)
      const into = new Uint8Array(300).fill(7)
      const count = readWaiting!(pair.reader, into, at, 220, 10_000_000, 2)
      expect(count).toBe(bytes.length)
      expect([...into.subarray(at, at + count)]).toEqual([...bytes])
      expect(into.every((byte, i) => (i >= at && i < at + count) || byte === 7)).toBe(true)
      expect(nonBlocking(pair.reader)).toBe(true)
    }, { fastCheck: { numRuns: 30 } })
  })

  it("lasts no longer than the loop's next timer: a timer due in 5 ms ends a wait capped at 10 s", () =>
    withSockets((_reader, _writer, fd) => {
      const timer = setTimeout(() => {}, 5)
      try {
        expect(readWaiting!(fd, new Uint8Array(16), 0, 16, 10_000_000, 2)).toBe(WAITED_LOOP)
        expect(nonBlocking(fd)).toBe(true)
      } finally {
        clearTimeout(timer)
      }
    }))

  it("only reads, waiting for nothing, while immediates are pending", () =>
    withSockets((_reader, writer, fd) => {
      const pending = setImmediate(() => {})
      try {
        expect(readWaiting!(fd, new Uint8Array(16), 0, 16, 10_000_000, 2)).toBe(WAITED_LOOP)
        writeSync(descriptorOf(writer)!, Buffer.from("there"))
        expect(readWaiting!(fd, new Uint8Array(16), 0, 16, 10_000_000, 0)).toBe(5)
      } finally {
        clearImmediate(pending)
      }
    }))

  it("with no timer due, blocks in the read (the file blocking meanwhile) until a real process writes, then is non-blocking again", () =>
    withSockets(async (reader, writer) => {
      // The reader's process waits up to 30 s; this one writes once it sees the file blocking.
      const result = inProcess(`${imports}
        const into = new Uint8Array(64)
        const count = readWaiting(3, into, 0, 64, 30_000_000, 2)
        console.log(JSON.stringify({ count, text: Buffer.from(into.subarray(0, Math.max(count, 0))).toString(), nonBlocking: (flags(3) & 0o4000) !== 0 }))
      `, [reader])
      for (let i = 0; nonBlocking(descriptorOf(reader)!); i++) {
        if (i > 3000) throw new Error("the child never made the file blocking")
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      writeSync(descriptorOf(writer)!, Buffer.from("late reply"))
      expect(await result).toEqual({ count: 10, text: "late reply", nonBlocking: true })
    }))

  it("with no timer due and a silent peer, ends at its cap with nothing read", () =>
    withSockets(async (reader) => {
      const result = await inProcess(`${imports}
        const start = performance.now()
        const outcome = readWaiting(3, new Uint8Array(16), 0, 16, 20_000, 2)
        console.log(JSON.stringify({ outcome, ms: performance.now() - start, nonBlocking: (flags(3) & 0o4000) !== 0 }))
      `, [reader]) as { outcome: number; ms: number; nonBlocking: boolean }
      expect(result.outcome).toBe(WAITED_CAP)
      expect(result.ms).toBeGreaterThanOrEqual(10) // the kernel's tick may end it a little early, never at once
      expect(result.nonBlocking).toBe(true)
    }))

  it("a holder killed inside its read leaves the file blocking, and another holder's writes still end (the send timeout it set)", () =>
    withSockets(async (reader) => {
      // `reader`'s file is shared with both children: the first is killed while it waits in its read.
      const waiter = spawn(process.execPath, ["--input-type=module", "-e", `${imports}
        readWaiting(3, new Uint8Array(16), 0, 16, 600_000_000, 2)
      `], { stdio: ["ignore", "ignore", "inherit", reader] })
      try {
        for (let i = 0; nonBlocking(descriptorOf(reader)!); i++) {
          if (i > 3000) throw new Error("the child never made the file blocking")
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
      } finally {
        waiter.kill("SIGKILL")
        await once(waiter, "exit")
      }
      expect(nonBlocking(descriptorOf(reader)!)).toBe(false)
      // Nobody reads the peer: a write that blocked for good would hang this process, so it runs in another (with a limit).
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", `${imports}
        const chunk = new Uint8Array(65536)
        let total = 0
        for (;;) { const wrote = writeDirect(3, chunk, 0, chunk.length); total += wrote; if (wrote < chunk.length) break }
        console.log(JSON.stringify({ total }))
      `], { stdio: ["ignore", "pipe", "inherit", descriptorOf(reader)!], encoding: "utf8", timeout: 60_000 })
      expect(JSON.parse(out.trim()).total).toBeGreaterThan(0)
    }))

  it("says so, reading nothing, for a descriptor that takes no timeout (a FIFO), which must not block", () => {
    const dir = mkdtempSync(join(tmpdir(), "read-waiting-"))
    try {
      execFileSync("mkfifo", [join(dir, "f")])
      const fd = openSync(join(dir, "f"), constants.O_RDWR | constants.O_NONBLOCK)
      try {
        writeSync(fd, Buffer.from("kept"))
        expect(readWaiting!(fd, new Uint8Array(16), 0, 16, 10_000_000, 1)).toBe(WAITED_UNBOUNDED)
        expect(nonBlocking(fd)).toBe(true)
        const into = new Uint8Array(16)
        expect(readSync(fd, into, 0, 16, null)).toBe(4) // the bytes were left there
      } finally {
        closeSync(fd)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("refuses what is not a descriptor, a byte range and a number of microseconds", () => {
    expect(() => readWaiting!(-1, new Uint8Array(4), 0, 4, 10, 0)).toThrow(/readWaiting/)
    expect(() => readWaiting!(0, new Uint8Array(4), 0, 4, Number.NaN, 0)).toThrow(/readWaiting/)
    expect(() => readWaiting!(0, "x" as unknown as Uint8Array, 0, 4, 10, 0)).toThrow(/readWaiting/)
  })
})
