/** The examples/ Listener and Client programs, run as their users run them (see test/support/examples.ts). */
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { after, exampleTimeout, lines, runExample } from "../support/examples.js"

describe("examples: Listener and Client programs", { timeout: exampleTimeout }, () => {
  for (const file of ["listener-client", "listener-client-effect"]) {
    it(`${file}: billiard's echo server serves three concurrent clients in turn, over a Unix socket it removes`, async () => {
      const { stdout } = await runExample(file)
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
      const { stdout } = await runExample(file)
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

})
