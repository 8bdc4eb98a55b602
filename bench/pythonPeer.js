/**
 * The python3 side of the benchmarks: one long-lived `python3 bench/python/peer.py`
 * that answers one JSON line per JSON command (see that file for the protocol).
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { createInterface } from "node:readline"

const script = fileURLToPath(new URL("./python/peer.py", import.meta.url))

export class PythonPeer {
  #child
  #lines
  #waiting = []
  #exited
  #failure = undefined

  constructor(executable = process.env.PYTHON ?? "python3") {
    this.#child = spawn(executable, [script], { stdio: ["pipe", "pipe", "inherit"] })
    this.#exited = new Promise((resolve) => {
      this.#child.once("close", (code, signal) => resolve({ code, signal }))
      this.#child.once("error", (error) => {
        this.#fail(error)
        if (this.#child.pid === undefined) resolve({ code: null, signal: null }) // never started
      })
    })
    this.#exited.then(({ code, signal }) => this.#fail(new Error(`python peer exited (code ${code}, signal ${signal})`)))
    this.#child.stdin.on("error", () => {}) // EPIPE if it died: reported through #fail
    this.#lines = createInterface({ input: this.#child.stdout })
    this.#lines.on("line", (line) => {
      const waiter = this.#waiting.shift()
      if (waiter === undefined) return
      let answer
      try {
        answer = JSON.parse(line)
      } catch {
        return waiter.reject(new Error(`python peer said: ${line}`))
      }
      if (answer.error !== undefined) waiter.reject(new Error(`python peer: ${answer.error}`))
      else waiter.resolve(answer)
    })
  }

  get pid() {
    return this.#child.pid
  }

  #fail(error) {
    this.#failure ??= error
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error)
  }

  /** Sends one command and resolves with its answer. */
  request(command) {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject })
      this.#child.stdin.write(JSON.stringify(command) + "\n")
    })
  }

  /**
   * Asks the peer to quit and waits for its exit (killing it after `graceMs`);
   * gives the pids of Python's helper processes (forkserver, resource tracker)
   * so the caller can check that they went away too.
   */
  async close(graceMs = 5000) {
    let helperPids = []
    if (this.#failure === undefined) {
      try {
        helperPids = (await this.request({ cmd: "quit" })).helper_pids ?? []
      } catch {
        // already gone
      }
    }
    this.#child.stdin.end()
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), graceMs)
    await this.#exited
    clearTimeout(timer)
    this.#lines.close()
    return helperPids
  }
}
