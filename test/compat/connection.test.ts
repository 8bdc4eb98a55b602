import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { once } from "node:events"
import * as net from "node:net"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import {
  AuthenticationError,
  Client,
  EOFError,
  Listener,
  Lock,
  OSError,
  Pipe,
  Process,
  SerializationError,
  SyncManager,
  TypeError as PyTypeError,
  ValueError,
  wait
} from "effect-multiprocessing/compat"

const pythonClient = (port: number, authkey: Buffer) =>
  new Promise<string>((resolve, reject) => {
    const script = fileURLToPath(new URL("../fixtures/python/client.py", import.meta.url))
    const child = spawn("python3", [script, String(port), authkey.toString("hex")], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (chunk) => (out += chunk))
    child.on("error", reject)
    child.on("exit", () => resolve(out.trim()))
  })

describe("compat Listener and Client", () => {
  it("a malformed address is Python's ValueError, an authkey that is not bytes its TypeError, both at the call", async () => {
    for (const address of [42, [], {}, true, ["127.0.0.1"], ["127.0.0.1", "80"]]) {
      await expect(Listener(address as any)).rejects.toBeInstanceOf(ValueError)
      await expect(Client(address as any)).rejects.toBeInstanceOf(ValueError)
    }
    for (const authkey of [42, "str", null]) {
      await expect(Listener(["127.0.0.1", 0], { authkey: authkey as any })).rejects.toBeInstanceOf(PyTypeError)
      await expect(Client(["127.0.0.1", 1], { authkey: authkey as any })).rejects.toThrow(/authkey must be bytes/)
    }
    // A manager takes a string too (the docs' examples), but nothing else that is not bytes.
    expect(() => new SyncManager({ authkey: 42 as any })).toThrow(PyTypeError)
    expect(() => new SyncManager({ address: ["127.0.0.1", 0], authkey: "abracadabra" })).not.toThrow()
  })

  it("an idle peer in front of the docs' accept loop does not hold a good client back", async () => {
    const authkey = Buffer.from("secret")
    await using listener = await Listener(["127.0.0.1", 0], { authkey })
    const idle = net.connect((listener.address as readonly [string, number])[1], "127.0.0.1")
    idle.on("error", () => {})
    try {
      await once(idle, "connect")
      const served = (async () => {
        for (;;) {
          try {
            await using conn = await listener.accept()
            return await conn.recv()
          } catch {
            // a peer that failed its handshake: the next one
          }
        }
      })()
      await using client = await Client(listener.address, { authkey })
      await client.send("served")
      expect(await served).toBe("served")
    } finally {
      idle.destroy()
    }
  })

  it("billiard's echo server: three clients in turn, each echoed until it disconnects", async () => {
    await using listener = await Listener(["127.0.0.1", 0], { authkey: Buffer.from("secret") })
    const [, port] = listener.address as readonly [string, number]
    const log: Array<string> = []
    const server = (async () => {
      for (let i = 0; i < 3; i++) {
        await using conn = await listener.accept<string>()
        expect(listener.lastAccepted?.[0]).toBe("127.0.0.1")
        try {
          for (;;) {
            const message = await conn.recv()
            log.push(`server received: ${message}`)
            await conn.send(`Echo: ${message}`)
          }
        } catch (error) {
          expect(error).toBeInstanceOf(EOFError)
        }
      }
    })()
    for (let id = 0; id < 3; id++) {
      const conn = await Client<string>(["127.0.0.1", port], { authkey: Buffer.from("secret") })
      for (let i = 0; i < 3; i++) {
        await conn.send(`Message ${i} from client ${id}`)
        expect(await conn.recv()).toBe(`Echo: Message ${i} from client ${id}`)
      }
      conn.close()
      expect(conn.closed).toBe(true)
    }
    await server
    expect(log).toHaveLength(9)
  })

  it("a wrong authkey rejects with AuthenticationError; an address in use with OSError", async () => {
    await using listener = await Listener(["127.0.0.1", 0], { authkey: randomBytes(16) })
    const [, port] = listener.address as readonly [string, number]
    const accepting = listener.accept().then(() => "accepted", (error) => error)
    await expect(Client(["127.0.0.1", port], { authkey: randomBytes(16) })).rejects.toBeInstanceOf(AuthenticationError)
    expect(await accepting).toBeInstanceOf(AuthenticationError)
    await expect(Listener(["127.0.0.1", port])).rejects.toMatchObject({ code: "EADDRINUSE" })
    await expect(Listener(["127.0.0.1", port])).rejects.toBeInstanceOf(OSError)
  })

  it("a Python Client talks to our Listener; poll and recvBytes with Python's names", async () => {
    const authkey = randomBytes(32)
    await using listener = await Listener(["127.0.0.1", 0], { authkey })
    const [, port] = listener.address as readonly [string, number]
    const reply = pythonClient(port, authkey)
    await using conn = await listener.accept()
    expect(await conn.poll(5)).toBe(true)
    expect(Buffer.from(await conn.recvBytes()).toString()).toMatch(/^hello from python 3\./)
    await conn.sendBytes(Buffer.from("hello back"))
    expect(await reply).toBe("hello back")
  })
})

describe("compat Pipe", () => {
  it("billiard's producer and consumer, over one pipe, ending with None (null)", async () => {
    const { Pipe } = await import("effect-multiprocessing/compat")
    const [parentConn, childConn] = await Pipe()
    const consumed: Array<string> = []
    const producer = (async () => {
      for (let i = 0; i < 5; i++) await parentConn.send(`item_${i}`)
      await parentConn.send(null)
      parentConn.close()
    })()
    for (;;) {
      const item = await childConn.recv()
      if (item === null) break
      consumed.push(item as string)
    }
    await producer
    childConn.close()
    expect(consumed).toEqual(["item_0", "item_1", "item_2", "item_3", "item_4"])
    expect(parentConn.closed && childConn.closed).toBe(true)
  })
})

describe("compat wait", () => {
  it("billiard's multi-connection wait: messages after different delays, collected as they come", async () => {
    const { Pipe, wait } = await import("effect-multiprocessing/compat")
    const pipes = await Promise.all([0, 1, 2, 3].map(() => Pipe()))
    const readers = pipes.map(([reader]) => reader)
    // Connection i writes once i + 1's message was taken (3 first), so the order does not
    // hang on timers firing apart on a loaded machine: billiard's example spaces them by sleeps.
    const writeFrom = (i: number) => {
      const [, writer] = pipes[i]
      setTimeout(() => void writer.send(`Message from connection ${i}`).then(() => writer.close()), 20)
    }
    writeFrom(3)
    const received: Array<string> = []
    let pending = [...readers]
    while (pending.length > 0) {
      const ready = await wait(pending, 30)
      expect(ready).toHaveLength(1)
      for (const conn of ready) {
        received.push((await conn.recv()) as string)
        pending = pending.filter((c) => c !== conn)
        const from = readers.indexOf(conn)
        if (from > 0) writeFrom(from - 1)
      }
    }
    expect(received).toEqual([3, 2, 1, 0].map((i) => `Message from connection ${i}`))
    expect(await wait(readers, 0.05)).toEqual(readers) // each at end of file now: a recv would not wait
    readers.forEach((r) => r.close())
  })
})

describe("compat Connection: Python's answers for readiness, limits and arguments", () => {
  it("wait gives an exited sentinel and a connection with data both, and poll(0) sees a message just sent", async () => {
    const p = new Process({ target: () => 0 })
    p.start()
    await p.join()
    const [reader, writer] = await Pipe({ duplex: false })
    await writer.send("x")
    expect(await wait([p.sentinel, reader], 10)).toEqual([p.sentinel, reader])
    await writer.send("y")
    expect(await reader.recv()).toBe("x")
    expect(await reader.poll()).toBe(true)
    p.close()
    reader.close()
    writer.close()
  })

  it("poll(null) waits without limit, as Python's poll(None); poll(NaN) rejects with ValueError, a string with TypeError", async () => {
    const [here, there] = await Pipe()
    const p = new Process({
      target: async (conn: { send(v: unknown): Promise<void>; recv(): Promise<unknown> }) => {
        await new Promise((resolve) => setTimeout(resolve, 300))
        await conn.send("late")
        return conn.recv()
      },
      args: [there]
    })
    p.start()
    there.close()
    expect(await here.poll(null)).toBe(true)
    expect(await here.recv()).toBe("late")
    await expect(here.poll(Number.NaN)).rejects.toBeInstanceOf(ValueError)
    await expect(here.poll("1" as never)).rejects.toBeInstanceOf(PyTypeError)
    await here.send("done")
    expect(await p.result()).toBe("done")
    await p.join()
    p.close()
    here.close()
  })

  it("after a bad message length the end is no longer readable and still sends, as in Python", async () => {
    const [a, b] = await Pipe()
    await b.sendBytes(Buffer.alloc(10))
    await expect(a.recvBytes(5)).rejects.toThrow("bad message length")
    expect([a.readable, a.writable, a.closed]).toEqual([false, true, false])
    await expect(a.recv()).rejects.toThrow("connection is write-only")
    await a.send("still heard")
    expect(await b.recv()).toBe("still heard")
    a.close()
    b.close()
  })

  it("sendBytes of a string rejects with TypeError (it does not throw); recvBytesInto fills any ArrayBufferView at a byte offset", async () => {
    const [a, b] = await Pipe()
    let sent: Promise<void> | undefined
    expect(() => (sent = a.sendBytes("text" as never))).not.toThrow()
    await expect(sent).rejects.toBeInstanceOf(PyTypeError)
    const values = new Float64Array([1.5, -2.25, 3])
    await a.sendBytes(values, 8, 16) // bytes 8..24: the last two numbers
    const into = new Float64Array(new ArrayBuffer(48), 8, 4)
    expect(await b.recvBytesInto(into, 8)).toBe(16)
    expect([...into]).toEqual([0, -2.25, 3, 0])
    a.close()
    b.close()
  })

  it("a maxMessageLength of -1 rejects Listener() and Client() with ValueError naming it", async () => {
    await expect(Listener(undefined, { maxMessageLength: -1 })).rejects.toThrow(/maxMessageLength/)
    await expect(Listener(undefined, { maxMessageLength: -1 })).rejects.toBeInstanceOf(ValueError)
    await using listener = await Listener()
    await expect(Client(listener.address, { maxMessageLength: -1 })).rejects.toBeInstanceOf(ValueError)
  })
})

describe("compat Pipe ends in child processes", () => {
  it("Python's Pipe example as written: conn.send in the child, parentConn.recv here", async () => {
    const { Pipe, Process } = await import("effect-multiprocessing/compat")
    const [parentConn, childConn] = await Pipe()
    const p = new Process({
      target: async (conn: { send(v: unknown): Promise<void>; close(): void }) => {
        await conn.send([42, null, "hello"])
        conn.close()
      },
      args: [childConn]
    })
    p.start()
    childConn.close()
    expect(await parentConn.recv()).toEqual([42, null, "hello"])
    await p.join()
    expect(p.exitCode).toBe(0)
    await expect(parentConn.recv()).rejects.toBeInstanceOf(EOFError)
    parentConn.close()
  })

  it("receives that wait for a child settle with each outcome: bytes, an object, into a buffer, a refused message", async () => {
    // Each receive starts before the child has sent (the child waits for a go), so each one waits
    // (with a callback, no fiber) and is settled when the message comes.
    const [here, there] = await Pipe({ duplex: false })
    const [go, goThere] = await Pipe({ duplex: false })
    const p = new Process({
      target: async (conn: { sendBytes(b: Uint8Array): Promise<void>; send(v: unknown): Promise<void>; close(): void }, go: { recv(): Promise<unknown> }) => {
        await go.recv()
        await conn.sendBytes(Uint8Array.of(1, 2, 3))
        await go.recv()
        await conn.send({ n: 42, at: new Date(0) })
        await go.recv()
        await conn.sendBytes(Uint8Array.of(4, 5))
        await go.recv()
        await conn.sendBytes(new Uint8Array(10))
        conn.close()
      },
      args: [there, go]
    })
    p.start()
    there.close()
    go.close()
    const bytes = here.recvBytes()
    await goThere.send(1)
    expect([...await bytes]).toEqual([1, 2, 3])
    const object = here.recv()
    await goThere.send(2)
    expect(await object).toEqual({ n: 42, at: new Date(0) })
    const into = new Uint8Array(4)
    const count = here.recvBytesInto(into, 1)
    await goThere.send(3)
    expect([await count, [...into]]).toEqual([2, [0, 4, 5, 0]])
    const refused = here.recvBytes(5)
    await goThere.send(4)
    await expect(refused).rejects.toThrow("bad message length: 10 > 5")
    expect(here.closed).toBe(true) // a read-only end that refused a message is closed, as CPython's
    expect(await p.join()).toBe(0)
    goThere.close()
  })

  it("a receive that waits when the child closes its end rejects with EOFError", async () => {
    const [here, there] = await Pipe()
    const p = new Process({
      target: async (conn: { recv(): Promise<unknown>; close(): void }) => {
        await conn.recv()
        conn.close()
      },
      args: [there]
    })
    p.start()
    there.close()
    const received = here.recvBytes()
    await here.send("close now")
    await expect(received).rejects.toBeInstanceOf(EOFError)
    await p.join()
    here.close()
  })

  it("a send is written before the sender goes on: a child that sends and then computes without yielding is heard at once", async () => {
    const { Pipe, Process } = await import("effect-multiprocessing/compat")
    const [parentConn, childConn] = await Pipe()
    const p = new Process({
      target: async (conn: { send(v: unknown): Promise<void> }) => {
        await conn.send("started")
        const until = Date.now() + 1500
        while (Date.now() < until); // its event loop blocked
        return until
      },
      args: [childConn]
    })
    p.start()
    childConn.close()
    expect(await parentConn.recv()).toBe("started")
    const heardAt = Date.now()
    expect(heardAt).toBeLessThan((await p.result()) as number)
    await p.join()
    parentConn.close()
  })

  it("a Connection or a Process inside a message rejects that send with SerializationError saying what to do; nothing is sent", async () => {
    const [here, there] = await Pipe()
    const [other, otherEnd] = await Pipe()
    const p = new Process({ target: async (conn: { recv(): Promise<unknown> }) => conn.recv(), args: [there] })
    p.start()
    there.close()
    const connection = await here.send({ reply: other }).then(() => "sent", (error) => error)
    expect(connection).toBeInstanceOf(SerializationError)
    expect(connection.message).toBe(
      "cannot serialize this value: a Connection (at value.reply) is not data: it can only be handed to a child as an " +
        "argument of a Process (or of a Pool's initializer), which passes its descriptor over at start, not inside a " +
        "message, a queue item or a task's arguments"
    )
    await expect(here.send([p])).rejects.toThrow("a Process (at value[0]) is not data: it is its parent's handle on the child process")
    await here.send("the next message")
    expect(await p.result()).toBe("the next message")
    await p.join()
    p.close()
    for (const end of [here, other, otherEnd]) end.close()
  })

  it("a Process object among another Process's arguments: start() throws SerializationError naming it", () => {
    const first = new Process({ target: () => 1 })
    const second = new Process({ target: (_p: unknown) => 2, args: [{ sibling: first }] })
    expect(() => second.start()).toThrow(SerializationError)
    expect(() => second.start()).toThrow(
      "the arguments of target cannot be sent to a child process: a Process (at args[0].sibling) is not data: " +
        "it is its parent's handle on the child process; send the child's pid or name instead"
    )
    first.close()
    second.close()
  })

  it("a Lock inside a class instance among a Process's arguments arrives as a working proxy", async () => {
    class Guarded {
      constructor(readonly name: string, readonly lock: Lock) {}
    }
    const lock = new Lock()
    const p = new Process({
      target: async (guarded: { name: string; lock: { acquire(): Promise<boolean> } }) => `${guarded.name}:${await guarded.lock.acquire()}`,
      args: [new Guarded("resource", lock)]
    })
    p.start()
    expect(await p.result()).toBe("resource:true")
    await p.join()
    p.close()
    // The child exited holding it: the owner took it back.
    expect(await lock.acquire({ timeout: 10 })).toBe(true)
    lock.close()
  })

  it("the docs' accept loop keeps serving after peers that send a bad frame length and stay connected", async () => {
    const authkey = Buffer.from("secret")
    await using listener = await Listener(["127.0.0.1", 0], { authkey })
    const [, port] = listener.address as readonly [string, number]
    const failures: Array<string> = []
    let stopping = false
    const serving = (async () => {
      for (;;) {
        try {
          const conn = await listener.accept()
          await conn.send(`served: ${await conn.recv()}`)
          conn.close()
        } catch (error) {
          if (stopping) return
          failures.push((error as Error).name)
        }
      }
    })()
    const peers = [0, 1].map(() => net.connect(port, "127.0.0.1"))
    await Promise.all(peers.map((peer) =>
      new Promise<void>((resolve) => {
        peer.on("error", () => {})
        // A frame length of -256: below -1, no frame has it.
        peer.on("connect", () => peer.write(Buffer.from([0xff, 0xff, 0xff, 0x00]), () => resolve()))
      })
    ))
    try {
      await using client = await Client(listener.address, { authkey })
      await client.send("good client")
      expect(await client.recv()).toBe("served: good client")
      expect(failures.every((name) => /AuthenticationError|OSError|EOFError/.test(name))).toBe(true)
    } finally {
      for (const peer of peers) peer.destroy()
    }
    stopping = true
    await listener.close()
    await serving
  })

  it("Python's handoff examples: bytes sent before start() reach the child; the parent's copy receives after", async () => {
    const [r, w] = await Pipe({ duplex: false })
    await w.send("hello")
    await new Promise((resolve) => setTimeout(resolve, 0))
    const p = new Process({ target: (c: any) => c.recv(), args: [r] })
    p.start()
    await w.send("x")
    expect(await p.result()).toBe("hello")
    await p.join()
    p.close()
    // The parent's copy was handed over, and still receives.
    expect(await r.recv()).toBe("x")
    r.close()
    w.close()
  })

  it("a child that polls a shared reading end leaves the message for the next holder (Python's poll only peeks)", async () => {
    const [r, w] = await Pipe({ duplex: false })
    const p = new Process({ target: (c: any) => c.poll(20), args: [r] })
    p.start()
    await new Promise((resolve) => setTimeout(resolve, 500))
    await w.sendBytes(Buffer.from("first"))
    w.close()
    expect(await p.result()).toBe(true)
    await p.join()
    p.close()
    const q = new Process({ target: async (c: any) => Buffer.from(await c.recvBytes()).toString(), args: [r] })
    q.start()
    expect(await q.result()).toBe("first")
    await q.join()
    q.close()
    r.close()
  })
})
