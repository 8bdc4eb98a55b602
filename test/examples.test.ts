import { execFile, spawn } from "node:child_process"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { typescriptProgram } from "./support/processes.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url))

interface Run {
  readonly stdout: string
  /** When each line of stdout arrived, in order (milliseconds since the epoch). */
  readonly arrivals: ReadonlyArray<number>
  readonly exitedAt: number
}

/**
 * Runs an example the way its users do, `node --import tsx examples/<name>.ts`
 * from the repository's root (see typescriptProgram): the package's name resolves to its build (dist/), as for a
 * user of the published package. It must exit 0 and write nothing to stderr.
 */
const run = async (name: string, env: Record<string, string> = {}): Promise<Run> => {
  const [command, args] = typescriptProgram(`examples/${name}.ts`)
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  const arrivals: Array<number> = []
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk
    const now = Date.now()
    for (let at = chunk.indexOf("\n"); at !== -1; at = chunk.indexOf("\n", at + 1)) arrivals.push(now)
  })
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code, signal) => resolve([code, signal]))
  })
  expect({ code, signal, stderr }, `${name} failed`).toEqual({ code: 0, signal: null, stderr: "" })
  return { stdout, arrivals, exitedAt: Date.now() }
}

const lines = (stdout: string) => stdout.trim().split("\n")

/** The lines that start with `prefix`, without it. */
const after = (all: ReadonlyArray<string>, prefix: string) => all.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length))

// Children start slowly on a loaded machine, more so from the TypeScript source: each example gets two minutes.
describe("examples", { timeout: 120_000 }, () => {
  for (const file of ["demo", "demo-effect"]) {
    it(`${file}: one process, then one per CPU, same count, pids shown`, async () => {
      const { stdout } = await run(file, { DEMO_LIMIT: "300000" })
      const counts = [...stdout.matchAll(/: (\d+) primes in/g)].map((m) => Number(m[1]))
      expect(counts).toEqual([25997, 25997])
      expect(stdout).toMatch(/1 process +\(pid \d+\)/)
      expect(stdout).toMatch(/processes \(pids \d+(, \d+)*\)/)
      expect(stdout).toMatch(/speed-up: \d+\.\d+×/)
    })
  }

  for (const file of ["process-basics", "process-basics-effect"]) {
    it(`${file}: Python's hello bob, from a named child`, async () => {
      const { stdout } = await run(file)
      expect(stdout).toMatch(/^MainProcess \(pid (\d+)\), parent: null\n/)
      const parentPid = stdout.match(/^MainProcess \(pid (\d+)\)/)![1]
      expect(stdout).toContain(`hello bob from Process-1 (pid`)
      expect(stdout).toContain(`parent ${parentPid})`)
      expect(lines(stdout).at(-1)).toBe("exit code 0")
    })
  }

  for (const file of ["module-targets", "module-targets-effect"]) {
    it(`${file}: Python's first Process and Pool examples, their targets exports of a TypeScript module`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      expect(all.slice(0, 2)).toEqual(["hello bob", "[ 1, 4, 9 ]"])
      const [, worker, parent] = all[2].match(/^ran in .+, pid (\d+), not in this process \(pid (\d+)\)$/) ?? []
      expect(Number(worker)).toBeGreaterThan(0)
      expect(worker).not.toBe(parent)
      expect(all).toHaveLength(3)
    })
  }

  for (const file of ["pipe", "pipe-effect"]) {
    it(`${file}: Python's Pipe example prints what the child sent`, async () => {
      const { stdout } = await run(file)
      expect(stdout.trim()).toBe("[ 42, null, 'hello' ]")
    })
  }

  for (const file of ["pipe-sender-receiver", "pipe-sender-receiver-effect"]) {
    it(`${file}: multiprocess's sender and receiver, every message received in order, up to DONE`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      const messages = ["Hello", "World", "From", "Pipe"]
      expect(after(all, "Sending: ")).toEqual(messages)
      expect(after(all, "Received: ")).toEqual([...messages, "DONE"])
      for (const msg of messages) expect(all.indexOf(`Sending: ${msg}`)).toBeLessThan(all.indexOf(`Received: ${msg}`))
      expect(all).toHaveLength(9)
    })
  }

  for (const file of ["pipe-sender-receiver-eof", "pipe-sender-receiver-eof-effect"]) {
    it(`${file}: billiard's sender and receiver, the receiver stopping at end of file once every copy is closed`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      const messages = ["Hello", "World", "From", "Billiard"]
      expect(after(all, "Sending: ")).toEqual(messages)
      expect(after(all, "Received: ")).toEqual(messages)
      expect(all).toHaveLength(8)
    })
  }

  for (const file of ["pipe-ping-pong", "pipe-ping-pong-effect"]) {
    it(`${file}: three rounds over a duplex Pipe, each player's lines in turn`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      const rounds = [0, 1, 2]
      expect(all.filter((l) => /^(Sent: ping|Received: pong)/.test(l))).toEqual(rounds.flatMap((i) => [`Sent: ping-${i}`, `Received: pong-${i}`]))
      expect(all.filter((l) => /^(Received: ping|Sent: pong)/.test(l))).toEqual(rounds.flatMap((i) => [`Received: ping-${i}`, `Sent: pong-${i}`]))
      expect(all).toHaveLength(12)
    })
  }

  for (const file of ["pipe-bytes-poll", "pipe-bytes-poll-effect"]) {
    it(`${file}: billiard's bytes through sendBytes and recvBytes, the receiver polling until end of file`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      expect(after(all, "Sending bytes: ")).toEqual(["Hello", "World", "Bytes"])
      expect(after(all, "Received bytes: ")).toEqual(["Hello", "World", "Bytes"])
      expect(all).toHaveLength(6) // no "No data available": no poll ran out before end of file
    })
  }

  for (const file of ["connection-wait", "connection-wait-effect"]) {
    it(`${file}: wait gives the connections with a message as they arrive, each read once`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      expect(all[0]).toBe("Waiting for messages from multiple connections...")
      const received: Array<string> = []
      let at = 1
      while (at < all.length) {
        const ready = Number(all[at].match(/^(\d) connections ready$/)?.[1])
        expect(ready, all[at]).toBeGreaterThan(0)
        const batch = all.slice(at + 1, at + 1 + ready)
        expect(batch.every((l) => l.startsWith("Received: ")), all.join("\n")).toBe(true)
        received.push(...after(batch, "Received: "))
        at += 1 + ready
      }
      expect(received.sort()).toEqual([0, 1, 2, 3].map((i) => `Message from connection ${i}`))
    })
  }

  for (const file of ["pipe-producer-consumer", "pipe-producer-consumer-effect"]) {
    it(`${file}: billiard's producer and consumer on a Pipe, five items each way, then the sentinel`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      const items = [0, 1, 2, 3, 4].map((i) => `item_${i}`)
      expect(after(all, "Produced: ")).toEqual(items)
      expect(after(all, "Consumed: ")).toEqual(items)
      expect(all).toHaveLength(10)
    })
  }

  for (const file of ["pipe-service", "pipe-service-effect"]) {
    it(`${file}: billiard's service answers three requests, then is terminated (-15)`, async () => {
      const { stdout } = await run(file)
      expect(lines(stdout)).toEqual([
        "Got response: Processed: request_0",
        "Got response: Processed: request_1",
        "Got response: Processed: request_2",
        "service terminated, exit code -15"
      ])
    })
  }

  for (const file of ["pipe-producer-consumer-eof", "pipe-producer-consumer-eof-effect"]) {
    it(`${file}: Beazley's consumer closes the end it does not use and stops at end of file`, async () => {
      const { stdout } = await run(file)
      expect(stdout).toBe("1\n2\n3\n4\nConsumer done\n")
    })
  }

  for (const file of ["pipe-adder", "pipe-adder-effect"]) {
    it(`${file}: Beazley's adder adds numbers and joins strings, and stops at end of file`, async () => {
      const { stdout } = await run(file)
      expect(stdout).toBe("7\nHelloWorld\nServer done\n")
    })
  }

  for (const file of ["listener-client", "listener-client-effect"]) {
    it(`${file}: billiard's echo server serves three concurrent clients in turn, over a Unix socket it removes`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      const socketPath = all[0].match(/^Server listening on (\/.+\.sock)$/)?.[1]
      expect(socketPath).toBeDefined()
      expect(fs.existsSync(socketPath!)).toBe(false)
      for (let id = 0; id < 3; id++) {
        const own = all.filter((l) => l.startsWith(`Client ${id} `) && !/^Client \d disconnected$/.test(l))
        expect(own).toEqual([
          `Client ${id} connected`,
          ...[0, 1, 2].map((i) => `Client ${id} got response: Echo: Message ${i} from client ${id}`),
          `Client ${id} finished`
        ])
      }
      // Each turn of the server serves one client whole, and every client has a turn.
      const served: Array<string> = []
      for (let turn = 1; turn <= 3; turn++) {
        const start = all.indexOf(`Connection ${turn} accepted`)
        const end = all.indexOf(`Client ${turn} disconnected`)
        expect(all.indexOf(`Waiting for connection ${turn}...`)).toBeLessThan(start)
        expect(start).toBeLessThan(end)
        const received = after(all.slice(start, end), "Server received: ")
        const client = received[0]?.match(/from client (\d)$/)?.[1] ?? "none"
        expect(received).toEqual([0, 1, 2].map((i) => `Message ${i} from client ${client}`))
        served.push(client)
      }
      expect(served.sort()).toEqual(["0", "1", "2"])
      expect(all.at(-1)).toBe("server exit code 0")
    })
  }

  for (const file of ["listener-client-tcp", "listener-client-tcp-effect"]) {
    it(`${file}: multiprocess's echo server over TCP with an authkey, until the client says quit`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      expect(all[0]).toMatch(/^Server listening on 127\.0\.0\.1:\d+$/)
      expect(all.slice(1)).toEqual([
        "Connection accepted",
        "Server received: hello",
        "Client received: Echo: hello",
        "Server received: world",
        "Client received: Echo: world",
        "Server received: quit"
      ])
    })
  }

  for (const file of ["condition", "condition-effect"]) {
    it(`${file}: acquire answers true; this process waits on the Condition until the child notifies it`, async () => {
      const { stdout } = await run(file)
      expect(stdout).toBe("true\nnotified: the flag is 1\nchild exit code 0\n")
    })
  }

  for (const file of ["lock", "lock-effect"]) {
    it(`${file}: Python's Lock example, ten processes print whole lines in turn`, async () => {
      const { stdout } = await run(file)
      expect(lines(stdout).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `hello world ${i}`).sort())
    })
  }

  for (const file of ["value-array", "value-array-effect"]) {
    it(`${file}: Python's Value and Array example, the child's writes seen by the parent`, async () => {
      const { stdout } = await run(file)
      expect(stdout.replace(/\s+/g, " ").trim()).toBe("3.1415927 [ 0, -1, -2, -3, -4, -5, -6, -7, -8, -9 ]")
    })
  }

  it("barrier: three processes meet after each phase, the action once per phase", async () => {
    const { stdout } = await run("barrier")
    for (let phase = 0; phase < 3; phase++) expect(stdout).toContain(`all 3 workers finished phase ${phase}`)
    expect(stdout.match(/first to arrive/g)).toHaveLength(3)
    expect(stdout).toContain("exit codes 0 0 0")
  })

  it("barrier-effect: the same through the Effect face, distinct indices per phase", async () => {
    const { stdout } = await run("barrier-effect")
    for (let phase = 0; phase < 3; phase++) expect(stdout).toContain(`all 3 workers finished phase ${phase}`)
    const indices = JSON.parse(stdout.match(/indices per worker (.*)/)![1]) as Array<Array<number>>
    for (let phase = 0; phase < 3; phase++) expect(indices.map((w) => w[phase]).sort()).toEqual([0, 1, 2])
  })

  for (const file of ["queue", "queue-effect"]) {
    it(`${file}: Python's Queue example prints what the child put`, async () => {
      const { stdout } = await run(file)
      expect(stdout.trim()).toBe("[ 42, null, 'hello' ]")
    })
  }

  for (const file of ["queue-hello-world", "queue-hello-world-effect"]) {
    it(`${file}: multiprocess's first example, the child's string through a Queue`, async () => {
      const { stdout } = await run(file)
      expect(stdout).toBe("hello world\n")
    })
  }

  for (const file of ["queue-producer-consumer", "queue-producer-consumer-effect"]) {
    it(`${file}: one producer, one consumer, every item consumed in order and nothing after the end`, async () => {
      const { stdout } = await run(file)
      const items = ["item1", "item2", "item3", "item4"]
      expect(lines(stdout).filter((l) => l.startsWith("Producing "))).toEqual(items.map((i) => `Producing ${i}`))
      expect(lines(stdout).filter((l) => l.startsWith("Consuming "))).toEqual(items.map((i) => `Consuming ${i}`))
      expect(lines(stdout)).toHaveLength(8)
    })
  }

  for (const file of ["queue-sentinel", "queue-sentinel-effect"]) {
    it(`${file}: the consumer prints every item, then stops at the end of the queue`, async () => {
      const { stdout } = await run(file)
      expect(stdout).toBe("1\n2\n3\n4\nConsumer done\n")
    })
  }

  for (const file of ["queue-complex-object", "queue-complex-object-effect"]) {
    it(`${file}: the object's data reaches the worker, which squares it once`, async () => {
      const { stdout } = await run(file)
      expect(stdout.trim()).toBe("Worker result: [ 1, 4, 9, 16, 25 ]")
    })
  }

  for (const file of ["queue-producers-consumers", "queue-producers-consumers-effect"]) {
    it(`${file}: two producers, three consumers, each item consumed once, then every consumer times out`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      const itemsOf = (producer: number) => Array.from({ length: 5 }, (_, i) => `Producer-${producer}-Item-${i}`)
      // Each producer puts its items in order.
      for (const producer of [0, 1]) {
        const produced = all.filter((l) => l.startsWith(`Produced: Producer-${producer}-`))
        expect(produced).toEqual(itemsOf(producer).map((item) => `Produced: ${item}`))
      }
      // Every item is consumed exactly once, by some consumer.
      const consumed = all.flatMap((l) => l.match(/^Consumer-\d consumed: (.*)$/)?.slice(1) ?? [])
      expect([...consumed].sort()).toEqual([...itemsOf(0), ...itemsOf(1)].sort())
      for (const consumer of [0, 1, 2]) {
        const own = all.filter((l) => l.startsWith(`Consumer-${consumer} `))
        // A consumer stops once, last, on its timeout.
        expect(own.filter((l) => l.endsWith("timed out, exiting"))).toEqual([`Consumer-${consumer} timed out, exiting`])
        expect(own.at(-1)).toBe(`Consumer-${consumer} timed out, exiting`)
        // FIFO: what one consumer takes from one producer comes in that producer's order.
        for (const producer of [0, 1]) {
          const indices = own.flatMap((l) => l.match(new RegExp(`consumed: Producer-${producer}-Item-(\\d)$`))?.slice(1) ?? []).map(Number)
          expect(indices).toEqual([...indices].sort((a, b) => a - b))
        }
      }
      expect(all).toHaveLength(10 + 10 + 3)
    })
  }

  for (const file of ["joinable-queue-workers", "joinable-queue-workers-effect"]) {
    it(`${file}: two workers process each task once; join returns only after all of them`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      expect(all.at(-1)).toBe("All tasks completed")
      expect(all.slice(0, -1).sort()).toEqual(Array.from({ length: 5 }, (_, i) => `Processing task-${i}`))
    })
  }

  for (const file of ["joinable-queue-daemon-consumer", "joinable-queue-daemon-consumer-effect"]) {
    it(`${file}: a daemon consumer processes the sequence in order; the script ends after join`, async () => {
      const { stdout } = await run(file)
      expect(lines(stdout)).toEqual(["1", "2", "3", "4"])
    })
  }

  for (const file of ["joinable-queue-consumer-pool", "joinable-queue-consumer-pool-effect"]) {
    it(`${file}: two daemon consumers process each item once; the script ends after join`, async () => {
      const { stdout } = await run(file)
      expect(lines(stdout).sort()).toEqual(["1", "2", "3", "4"])
    })
  }

  // Node spreads a ten-number array over lines: compare with whitespace folded.
  const folded = (stdout: string) => stdout.replace(/\s+/g, " ").trim()

  for (const file of ["manager", "manager-effect"]) {
    it(`${file}: Python's Server process example, the child's writes to the managed dict and list seen by the parent`, async () => {
      const { stdout } = await run(file)
      expect(folded(stdout)).toBe("Map(3) { 1 => '1', '2' => 2, 0.25 => null } [ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 ]")
    })
  }

  it("manager-list: multiprocess's managed list, reversed and printed, then the proxy itself", async () => {
    const { stdout } = await run("manager-list")
    expect(folded(stdout)).toBe("[ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 ] ListProxy {}")
  })

  it("manager-list-effect: multiprocess's managed list, reversed and printed", async () => {
    const { stdout } = await run("manager-list-effect")
    expect(folded(stdout)).toBe("[ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 ]")
  })

  for (const file of ["remote-manager", "remote-manager-effect"]) {
    it(`${file}: a queue served over TCP on an ephemeral port; one client puts, another gets; the server is terminated`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      const port = Number(all[0].match(/^server listening on 127\.0\.0\.1:(\d+)$/)?.[1])
      expect(port).toBeGreaterThan(0)
      expect(all.slice(1)).toEqual(["client put 'hello'", "another client got 'hello'", "server terminated, exit code -15"])
    })
  }
  const numbers = (text: string) => text.match(/-?\d+/g)!.map(Number)
  const squares = Array.from({ length: 10 }, (_, i) => i * i)

  for (const file of ["pool", "pool-effect"]) {
    it(`${file}: Python's "Using a pool of workers" example: map, imap_unordered, imap, apply_async, pids, a TimeoutError, then the pool stopped`, async () => {
      const { stdout, arrivals, exitedAt } = await run(file)
      // The 10-second sleep is waited for 1 second, then stopped with the pool: had the pool
      // waited for it, the program would have ended 9 seconds after saying so, or later.
      const impatient = stdout.split("\n").findIndex((l) => l.startsWith("We lacked patience"))
      expect(exitedAt - arrivals[impatient]).toBeLessThan(8000)
      // Node spreads the map's array over lines, up to a line "]"
      const end = lines(stdout).indexOf("]")
      expect(numbers(lines(stdout).slice(0, end + 1).join(" "))).toEqual(squares)
      const all = lines(stdout).slice(end + 1)
      // imap_unordered: the same numbers, each once, in any order
      expect(all.slice(0, 10).map(Number).sort((a, b) => a - b)).toEqual(squares)
      // imap: the first three, in order
      expect(all.slice(10, 13)).toEqual(["0", "1", "4"])
      expect(all[13]).toBe("400")
      const pid = Number(all[14])
      const pids = numbers(all[15])
      expect(all[15]).toMatch(/^\[ \d+, \d+, \d+, \d+ \]$/)
      expect(pid).toBeGreaterThan(0)
      // Four workers at most: the pid of the first apply is among those seen, or the pool had four others
      expect(new Set([pid, ...pids]).size).toBeLessThanOrEqual(4)
      expect(all.slice(16)).toEqual([
        file === "pool" ? "We lacked patience and got a multiprocessing.TimeoutError" : "We lacked patience and got a TimeoutException",
        "For the moment, the pool remains available for more work",
        "Now the pool is closed and no longer available"
      ])
      // Every pid printed is gone: the pool's workers were stopped with it
      for (const p of new Set([pid, ...pids])) expect(() => process.kill(p, 0)).toThrow(/ESRCH/)
    })
  }

  for (const file of ["shared-memory-pool", "shared-memory-pool-effect"]) {
    it(`${file}: a Pool of 2 sums the halves of 1 M float64 in shared memory`, async () => {
      const { stdout } = await run(file)
      expect(lines(stdout)).toEqual(["halves: 62499875000 + 187499875000", "sum: 249999750000"])
    })
  }

  for (const file of ["pool-lambda", "pool-lambda-effect"]) {
    it(`${file}: multiprocess's map_async and map of a lambda (an inline arrow function)`, async () => {
      const { stdout } = await run(file)
      const [first, second] = stdout.trim().split(/\]\s*\[/)
      expect(numbers(first)).toEqual(squares)
      expect(numbers(second)).toEqual([0, 2, 6, 12, 20, 30, 42, 56, 72, 90])
      expect(folded(stdout)).toBe("[ 0, 1, 4, 9, 16, 25, 36, 49, 64, 81 ] [ 0, 2, 6, 12, 20, 30, 42, 56, 72, 90 ]")
    })
  }

  // What pool-progress prints when stdout is not a terminal: one line at the first
  // progress and at each tenth of the way (the first chunk is 4 of 200 items), then the count.
  const plainProgress = [
    "counting primes: 4/200 (2%)",
    ...Array.from({ length: 10 }, (_, i) => `counting primes: ${(i + 1) * 20}/200 (${(i + 1) * 10}%)`),
    "78498 primes below 1000000"
  ]

  // Runs a script with stdout on a pseudo-terminal (python3 is on every machine); what the terminal received.
  const runOnTerminal = async (file: string) => {
    const script = [
      "import os, subprocess, sys",
      "m, s = os.openpty()",
      "p = subprocess.Popen([sys.argv[1], sys.argv[2]], stdout=s, stdin=subprocess.DEVNULL)",
      "os.close(s)",
      "out = b''",
      "while True:",
      "    try:",
      "        d = os.read(m, 65536)",
      "    except OSError:",
      "        break",
      "    if not d: break",
      "    out += d",
      "sys.stdout.buffer.write(out)",
      "sys.exit(p.wait())"
    ].join("\n")
    const { stdout } = await promisify(execFile)("python3", ["-c", script, tsx, file], { cwd: root })
    return stdout
  }

  for (const file of ["pool-progress", "pool-progress-effect"]) {
    it(`${file}: plain progress lines when stdout is not a terminal, then the result`, async () => {
      const { stdout } = await run(file)
      expect(lines(stdout)).toEqual(plainProgress)
    })

    it(`${file}: on a terminal, one bar redrawn in place up to 200/200, then the result on its own line`, async () => {
      const output = await runOnTerminal(`examples/${file}.ts`)
      // The terminal turns \n into \r\n; the bar is redrawn after each \r, and ends with a \n.
      const text = output.replace(/\r\n/g, "\n")
      expect(text.endsWith(" 200/200 100%\n78498 primes below 1000000\n")).toBe(true)
      expect(text.startsWith("\r")).toBe(true)
      const frames = text.slice(1, -"\n78498 primes below 1000000\n".length).split("\r")
      expect(frames.length).toBeGreaterThanOrEqual(2)
      let previous = 0
      for (const frame of frames) {
        const match = frame.match(/^counting primes \[(#*)(-*)\] +(\d+)\/200 +(\d+)%$/)
        expect(match, frame).not.toBeNull()
        const done = Number(match![3])
        expect(done).toBeGreaterThan(previous) // each redraw further than the last
        expect(Number(match![4])).toBe(Math.floor(done / 2))
        expect(match![1].length + match![2].length).toBe(frames[0].match(/\[([#-]*)\]/)![1].length) // one width
        previous = done
      }
      expect(previous).toBe(200)
      expect(frames.at(-1)).toMatch(/\[#+\] 200\/200 100%$/)
      expect(output).not.toContain("(10%)") // no plain lines on a terminal
    })
  }

  for (const file of ["pool-reliability", "pool-reliability-effect"]) {
    it(`${file}: a worker killed by SIGKILL fails its task alone and is replaced; hard and soft time limits`, async () => {
      const { stdout } = await run(file)
      const all = lines(stdout)
      expect(all).toHaveLength(7)
      expect(all[0]).toMatch(/^WorkerLostError: pid \d+, signal SIGKILL, exit code null$/)
      expect(all[1]).toBe("the lost worker was one of the pool's: true; replaced: true")
      expect(all[2]).toBe("still serving: [ 1, 4, 9, 16 ]")
      expect(all[3]).toMatch(/^TimeLimitExceeded after 500 ms: worker \d+ killed; replaced: true$/)
      expect(all[4]).toBe("still serving: [ 25, 36, 49, 64 ]")
      expect(all[5]).toMatch(/^SoftTimeLimitExceeded after 500 ms: worker \d+ kept: true$/)
      expect(all[6]).toBe("2 workers; every answer from one of them: true")
    })
  }
})
