/**
 * The direct path of a receive that waits for a reply (src/internal/wire/framedSocket.ts): a read
 * that is one whole frame is copied out of the read buffer as the message, anything else (several
 * frames, or part of one) goes through the frame decoder; and the socket's handle, looked up once
 * (SocketHandle in synchronousRead.ts), gives no descriptor once the socket is closed.
 */
import * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Pipe } from "effect-multiprocessing/compat"
import type * as SynchronousReadModule from "../../../src/internal/wire/synchronousRead.js"

const dist = (file: string) => new URL(`../../../dist/${file}`, import.meta.url).href
const { SocketHandle }: typeof SynchronousReadModule = await import(dist("internal/wire/synchronousRead.js"))

const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (seed * 31 + i * 7) & 0xff)

describe("a receive right after a send reads the reply itself", () => {
  it("messages arrive whole and in order, whether a read holds one frame, several, or one across the copy sizes", async () => {
    // Each group: the peer sends its messages (one write each, before the receiver asks), then the
    // receiver sends and receives them all: one frame in the kernel takes the copy, several the decoder.
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 25 }),
        async (groups) => {
          const [here, there] = await Pipe()
          try {
            let seed = 0
            for (const group of groups) {
              const sent = group.map((length) => bytes(length, seed++))
              for (const message of sent) await there.sendBytes(message)
              await here.sendBytes(Uint8Array.of(1))
              for (const message of sent) expect(Buffer.from(await here.recvBytes())).toEqual(Buffer.from(message))
              expect(Buffer.from(await there.recvBytes())).toEqual(Buffer.from([1]))
            }
            expect(await here.poll(0)).toBe(false)
          } finally {
            here.close()
            there.close()
          }
        }
      ),
      { numRuns: 20 }
    )
  })
})

describe("SocketHandle", () => {
  it("gives the socket's descriptor, none once the socket is destroyed, and refs and unrefs its handle", async () => {
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve))
    const client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1")
    await new Promise((resolve) => client.once("connect", resolve))
    const peer = await accepted
    try {
      const handle = new SocketHandle(client)
      const raw = (client as unknown as { _handle: { fd: number; hasRef(): boolean } })._handle
      expect(handle.fd()).toBe(raw.fd)
      expect(handle.fd()).toBeGreaterThanOrEqual(0)
      handle.unref()
      expect(raw.hasRef()).toBe(false)
      handle.ref()
      expect(raw.hasRef()).toBe(true)
      client.destroy()
      // The handle it had is closed: its descriptor's number may be another file's by now.
      expect(handle.fd()).toBeUndefined()
    } finally {
      client.destroy()
      peer.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
