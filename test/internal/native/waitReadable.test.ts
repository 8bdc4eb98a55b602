/**
 * The addon's wait for a socket to become readable (native/readable.c, reached through
 * src/internal/wire/kernelWait.ts): what ends a wait; its reads and writes of a byte range. Runs where the addon is built (the "core"
 * project; CI requires it on Linux); test/internal/wire/kernelWait.test.ts has the receives that use it.
 */
import { mkdtempSync, rmSync, writeSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type * as KernelWaitModule from "../../../src/internal/wire/kernelWait.js"
import type * as SynchronousReadModule from "../../../src/internal/wire/synchronousRead.js"

const dist = (file: string) => new URL(`../../../dist/${file}`, import.meta.url).href
const { CAP_MICROS, readDirect, waitReadable, writeDirect }: typeof KernelWaitModule = await import(dist("internal/wire/kernelWait.js"))
const { descriptorOf }: typeof SynchronousReadModule = await import(dist("internal/wire/synchronousRead.js"))

// Where no compiler built the addon (never in CI, which requires it) there is nothing to test here.
describe.runIf(waitReadable !== undefined)("waitReadable", () => {
  it("is there where the addon is built", () => {
    expect(waitReadable).toBeDefined()
    expect(CAP_MICROS).toBeGreaterThan(0)
  })

  /** Two connected Unix sockets in this process; `use` gets them, and the descriptor of the first. */
  const withSockets = async (use: (reader: net.Socket, writer: net.Socket, fd: number) => Promise<void> | void) => {
    const dir = mkdtempSync(join(tmpdir(), "kernel-wait-"))
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(join(dir, "s"), resolve))
    const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve))
    const reader = net.connect(join(dir, "s"))
    await new Promise((resolve) => reader.once("connect", resolve))
    const writer = await accepted
    try {
      reader.pause()
      await use(reader, writer, descriptorOf(reader)!)
    } finally {
      reader.destroy()
      writer.destroy()
      await new Promise((resolve) => server.close(resolve))
      rmSync(dir, { recursive: true, force: true })
    }
  }

  it("ends readable at once when the bytes are there", () =>
    withSockets((_reader, writer, fd) => {
      writeSync(descriptorOf(writer)!, Buffer.from("reply"))
      expect(waitReadable!(fd, 10_000_000)).toBe("readable")
    }))

  it("ends at once, handing over to the loop, while immediates are pending", () =>
    withSockets((_reader, _writer, fd) => {
      const pending = setImmediate(() => {})
      try {
        expect(waitReadable!(fd, 10_000_000)).toBe("loop")
      } finally {
        clearImmediate(pending)
      }
    }))

  it("lasts no longer than the loop's next timer: a timer due in 5 ms ends a wait capped at 10 s", () =>
    withSockets((_reader, _writer, fd) => {
      const timer = setTimeout(() => {}, 5)
      try {
        expect(waitReadable!(fd, 10_000_000)).toBe("loop")
      } finally {
        clearTimeout(timer)
      }
    }))

  it("ends when another descriptor the loop watches becomes readable", () =>
    withSockets((_reader, _writer, fd) =>
      withSockets((other, otherWriter) => {
        other.resume() // the loop watches this one
        other.on("data", () => {})
        // A turn of the loop first: it adds a descriptor to its set when it next polls.
        return new Promise<void>((resolve) => setTimeout(resolve, 10)).then(() => {
          writeSync(descriptorOf(otherWriter)!, Buffer.from("elsewhere"))
          expect(waitReadable!(fd, 10_000_000)).toBe("loop")
        })
      })))

  it("lasts its cap in a process whose loop has nothing alive (its only socket unref'd), not ending at once", async () => {
    // In a process of its own: this one's loop has the test runner's handles alive.
    const script = `
      const { waitReadable } = await import(${JSON.stringify(dist("internal/wire/kernelWait.js"))})
      const { descriptorOf } = await import(${JSON.stringify(dist("internal/wire/synchronousRead.js"))})
      const net = await import("node:net")
      const server = net.createServer((socket) => {
        server.close()
        socket.pause()
        socket.unref()
        // Once the server's close is done: a handle closing is the loop's work.
        setTimeout(() => {
          const start = performance.now()
          const ended = waitReadable(descriptorOf(socket), 50_000)
          console.log(JSON.stringify({ ended, ms: performance.now() - start }))
          socket.destroy()
          peer.destroy()
        }, 20)
      })
      let peer
      server.listen(0, "127.0.0.1", () => { peer = net.connect(server.address().port, "127.0.0.1"); peer.unref() })
    `
    const { execFileSync } = await import("node:child_process")
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 })
    const { ended, ms } = JSON.parse(out.trim().split("\n").pop()!)
    expect(ended).toBe("cap")
    expect(ms).toBeGreaterThanOrEqual(45)
  })

  it("refuses what is not a descriptor and a number of microseconds", () => {
    expect(() => waitReadable!(-1, 10)).toThrow(/waitReadable/)
    expect(() => waitReadable!(0, Number.NaN)).toThrow(/waitReadable/)
  })

  describe("a byte range", () => {
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

    it.prop("is read into and written from, and never past the buffer's end", [
      fc.uint8Array({ minLength: 1, maxLength: 200 }),
      fc.nat(220),
      fc.nat(220)
    ], ([bytes, offset, length]) => {
      const from = Math.min(offset, bytes.length)
      const count = Math.min(length, bytes.length - from)
      expect(writeDirect(pair.writer, bytes, offset, length)).toBe(count)
      const into = new Uint8Array(300).fill(7)
      const at = offset % 50
      if (count === 0) {
        expect(readDirect(pair.reader, into, at, 300)).toBeUndefined() // nothing there, and no exception
        return
      }
      expect(waitReadable!(pair.reader, 10_000_000)).toBe("readable")
      expect(readDirect(pair.reader, into, at, 300)).toBe(count)
      expect([...into.subarray(at, at + count)]).toEqual([...bytes.subarray(from, from + count)])
      expect(into.every((byte, i) => (i >= at && i < at + count) || byte === 7)).toBe(true)
    }, { fastCheck: { numRuns: 50 } })

    it("refuses a range that is not two non-negative numbers", () => {
      expect(() => writeDirect(pair.writer, new Uint8Array(4), -1, 2)).toThrow(/writeFrom/)
      expect(() => readDirect(pair.reader, new Uint8Array(4), 0, Number.NaN)).toThrow(/readInto/)
    })
  })
})
