/** The examples/ Pool programs, run as their users run them (see test/support/examples.ts). */
import { describe, expect, it } from "vitest"
import { exampleTimeout, folded, lines, numbers, runExample, runExampleOnTerminal } from "../support/examples.js"

describe("examples: Pool programs", { timeout: exampleTimeout }, () => {
  const squares = Array.from({ length: 10 }, (_, i) => i * i)

  // Once more with the "thread" start method, set before the program runs: the same program, the same output.
  for (const [file, startMethod] of [["pool"], ["pool-effect"], ["pool", "thread"], ["pool-effect", "thread"]] as const) {
    it(`${file}${startMethod === undefined ? "" : ` (start method "${startMethod}")`}: Python's "Using a pool of workers" example: map, imap_unordered, imap, apply_async, pids, a TimeoutError, then the pool stopped`, async () => {
      const { stdout, arrivals, exitedAt, pid: programPid } = await runExample(file, {}, startMethod)
      // The pool is stopped with the 10-second sleep still running, not after it: the program
      // exits before that task could have ended. The task was handed over after the pids line
      // was printed, so it cannot end before that line's arrival + 10 s.
      const pidsLine = stdout.split("\n").findIndex((l) => l.startsWith("We lacked patience")) - 1
      expect(exitedAt).toBeLessThan(arrivals[pidsLine] + 10_000)
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
      // Worker threads report the program's own pid; worker processes their own.
      for (const p of [pid, ...pids]) expect(p === programPid).toBe(startMethod === "thread")
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
      const { stdout } = await runExample(file)
      expect(lines(stdout)).toEqual(["halves: 62499875000 + 187499875000", "sum: 249999750000"])
    })
  }

  for (const file of ["pool-lambda", "pool-lambda-effect"]) {
    it(`${file}: multiprocess's map_async and map of a lambda (an inline arrow function)`, async () => {
      const { stdout } = await runExample(file)
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

  for (const file of ["pool-progress", "pool-progress-effect"]) {
    it(`${file}: plain progress lines when stdout is not a terminal, then the result`, async () => {
      const { stdout } = await runExample(file)
      expect(lines(stdout)).toEqual(plainProgress)
    })

    it(`${file}: on a terminal, one bar redrawn in place up to 200/200, then the result on its own line`, async () => {
      const output = await runExampleOnTerminal(file)
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
      const { stdout } = await runExample(file)
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
