/** The examples/ Pipe programs, run as their users run them (see test/support/examples.ts). */
import { describe, expect, it } from "vitest"
import { after, exampleTimeout, lines, runExample } from "../support/examples.js"

describe("examples: Pipe programs", { timeout: exampleTimeout }, () => {
  for (const file of ["pipe", "pipe-effect"]) {
    it(`${file}: Python's Pipe example prints what the child sent`, async () => {
      const { stdout } = await runExample(file)
      expect(stdout.trim()).toBe("[ 42, null, 'hello' ]")
    })
  }

  for (const file of ["pipe-sender-receiver", "pipe-sender-receiver-effect"]) {
    it(`${file}: multiprocess's sender and receiver, every message received in order, up to DONE`, async () => {
      const { stdout } = await runExample(file)
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
      const { stdout } = await runExample(file)
      const all = lines(stdout)
      const messages = ["Hello", "World", "From", "Billiard"]
      expect(after(all, "Sending: ")).toEqual(messages)
      expect(after(all, "Received: ")).toEqual(messages)
      expect(all).toHaveLength(8)
    })
  }

  for (const file of ["pipe-ping-pong", "pipe-ping-pong-effect"]) {
    it(`${file}: three rounds over a duplex Pipe, each player's lines in turn`, async () => {
      const { stdout } = await runExample(file)
      const all = lines(stdout)
      const rounds = [0, 1, 2]
      expect(all.filter((l) => /^(Sent: ping|Received: pong)/.test(l))).toEqual(rounds.flatMap((i) => [`Sent: ping-${i}`, `Received: pong-${i}`]))
      expect(all.filter((l) => /^(Received: ping|Sent: pong)/.test(l))).toEqual(rounds.flatMap((i) => [`Received: ping-${i}`, `Sent: pong-${i}`]))
      expect(all).toHaveLength(12)
    })
  }

  for (const file of ["pipe-bytes-poll", "pipe-bytes-poll-effect"]) {
    it(`${file}: billiard's bytes through sendBytes and recvBytes, the receiver polling until end of file`, async () => {
      const { stdout } = await runExample(file)
      const all = lines(stdout)
      expect(after(all, "Sending bytes: ")).toEqual(["Hello", "World", "Bytes"])
      expect(after(all, "Received bytes: ")).toEqual(["Hello", "World", "Bytes"])
      expect(all).toHaveLength(6) // no "No data available": no poll ran out before end of file
    })
  }

  for (const file of ["connection-wait", "connection-wait-effect"]) {
    it(`${file}: wait gives the connections with a message as they arrive, each read once`, async () => {
      const { stdout } = await runExample(file)
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
      const { stdout } = await runExample(file)
      const all = lines(stdout)
      const items = [0, 1, 2, 3, 4].map((i) => `item_${i}`)
      expect(after(all, "Produced: ")).toEqual(items)
      expect(after(all, "Consumed: ")).toEqual(items)
      expect(all).toHaveLength(10)
    })
  }

  for (const file of ["pipe-service", "pipe-service-effect"]) {
    it(`${file}: billiard's service answers three requests, then is terminated (-15)`, async () => {
      const { stdout } = await runExample(file)
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
      const { stdout } = await runExample(file)
      expect(stdout).toBe("1\n2\n3\n4\nConsumer done\n")
    })
  }

  for (const file of ["pipe-adder", "pipe-adder-effect"]) {
    it(`${file}: Beazley's adder adds numbers and joins strings, and stops at end of file`, async () => {
      const { stdout } = await runExample(file)
      expect(stdout).toBe("7\nHelloWorld\nServer done\n")
    })
  }

})
