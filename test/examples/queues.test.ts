/** The examples/ Queue programs, run as their users run them (see test/support/examples.ts). */
import { describe, expect, it } from "vitest"
import { exampleTimeout, lines, runExample } from "../support/examples.js"

describe("examples: Queue programs", { timeout: exampleTimeout }, () => {
  // Once more with the "thread" start method, set before the program runs: a child thread, the same output.
  for (const [file, startMethod] of [["queue"], ["queue-effect"], ["queue", "thread"], ["queue-effect", "thread"]] as const) {
    it(`${file}${startMethod === undefined ? "" : ` (start method "${startMethod}")`}: Python's Queue example prints what the child put`, async () => {
      const { stdout } = await runExample(file, {}, startMethod)
      expect(stdout.trim()).toBe("[ 42, null, 'hello' ]")
    })
  }

  for (const file of ["queue-hello-world", "queue-hello-world-effect"]) {
    it(`${file}: multiprocess's first example, the child's string through a Queue`, async () => {
      const { stdout } = await runExample(file)
      expect(stdout).toBe("hello world\n")
    })
  }

  for (const file of ["queue-producer-consumer", "queue-producer-consumer-effect"]) {
    it(`${file}: one producer, one consumer, every item consumed in order and nothing after the end`, async () => {
      const { stdout } = await runExample(file)
      const items = ["item1", "item2", "item3", "item4"]
      expect(lines(stdout).filter((l) => l.startsWith("Producing "))).toEqual(items.map((i) => `Producing ${i}`))
      expect(lines(stdout).filter((l) => l.startsWith("Consuming "))).toEqual(items.map((i) => `Consuming ${i}`))
      expect(lines(stdout)).toHaveLength(8)
    })
  }

  for (const file of ["queue-sentinel", "queue-sentinel-effect"]) {
    it(`${file}: the consumer prints every item, then stops at the end of the queue`, async () => {
      const { stdout } = await runExample(file)
      expect(stdout).toBe("1\n2\n3\n4\nConsumer done\n")
    })
  }

  for (const file of ["queue-complex-object", "queue-complex-object-effect"]) {
    it(`${file}: the object's data reaches the worker, which squares it once`, async () => {
      const { stdout } = await runExample(file)
      expect(stdout.trim()).toBe("Worker result: [ 1, 4, 9, 16, 25 ]")
    })
  }

  for (const file of ["queue-producers-consumers", "queue-producers-consumers-effect"]) {
    it(`${file}: two producers, three consumers, each item consumed once, then every consumer times out`, async () => {
      const { stdout } = await runExample(file)
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
      const { stdout } = await runExample(file)
      const all = lines(stdout)
      expect(all.at(-1)).toBe("All tasks completed")
      expect(all.slice(0, -1).sort()).toEqual(Array.from({ length: 5 }, (_, i) => `Processing task-${i}`))
    })
  }

  for (const file of ["joinable-queue-daemon-consumer", "joinable-queue-daemon-consumer-effect"]) {
    it(`${file}: a daemon consumer processes the sequence in order; the script ends after join`, async () => {
      const { stdout } = await runExample(file)
      expect(lines(stdout)).toEqual(["1", "2", "3", "4"])
    })
  }

  for (const file of ["joinable-queue-consumer-pool", "joinable-queue-consumer-pool-effect"]) {
    it(`${file}: two daemon consumers process each item once; the script ends after join`, async () => {
      const { stdout } = await runExample(file)
      expect(lines(stdout).sort()).toEqual(["1", "2", "3", "4"])
    })
  }

})
