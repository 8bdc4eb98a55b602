/**
 * Runners of the cluster pool for tests: real processes of the runner command
 * on ports of this machine, each started with its own environment and waited
 * for on its "ready" line (an event, not a sleep), reaped at the end: asked to
 * stop (their standard input ends, so a test process that dies takes them
 * along too), killed if they do not within a generous limit.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"

const main = fileURLToPath(new URL("../../dist/internal/cluster/main.js", import.meta.url))

export interface Runner {
  readonly port: number
  readonly child: ChildProcess
  readonly pid: number
  /** What it printed to stderr, for a failure's report. */
  readonly log: () => string
}

/** A port free on this machine now (the kernel's choice). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

/** Starts a runner with `env` (the cluster's variables) and resolves once it serves; rejects if it exits first or not within `timeoutMs`. */
export const startRunner = async (env: Record<string, string>, timeoutMs = 120_000): Promise<Runner> => {
  const port = await freePort()
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      ...env,
      EFFECT_MULTIPROCESSING_CLUSTER_HOST: "127.0.0.1",
      EFFECT_MULTIPROCESSING_CLUSTER_PORT: String(port),
      EFFECT_MULTIPROCESSING_CLUSTER_EXIT_WITH_STDIN: "1"
    },
    stdio: ["pipe", "pipe", "pipe"]
  })
  let stderr = ""
  let stdout = ""
  child.stderr!.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-20_000)
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`runner on port ${port} not ready within ${timeoutMs} ms:\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.stdout!.on("data", (chunk) => {
      stdout += chunk
      if (stdout.includes("runner ready at")) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`runner on port ${port} exited (${code ?? signal}) before it was ready:\n${stdout}\n${stderr}`))
    })
  })
  child.stdout!.resume()
  return { port, child, pid: child.pid!, log: () => stderr }
}

/** Starts `count` runners at once; if one fails, those that started are stopped and its error is thrown. */
export const startRunners = async (env: Record<string, string>, count: number): Promise<Array<Runner>> => {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startRunner(env)))
  const runners = started.flatMap((result) => result.status === "fulfilled" ? [result.value] : [])
  const failed = started.find((result): result is PromiseRejectedResult => result.status === "rejected")
  if (failed === undefined) return runners
  await Promise.all(runners.map((runner) => stopRunner(runner)))
  throw failed.reason
}

/** Stops a runner: its stdin ends (it hands its shards back and exits); SIGKILL after `graceMs`. Resolves once it has exited. */
export const stopRunner = (runner: Runner, graceMs = 60_000): Promise<void> =>
  new Promise<void>((resolve) => {
    if (runner.child.exitCode !== null || runner.child.signalCode !== null) return resolve()
    const timer = setTimeout(() => runner.child.kill("SIGKILL"), graceMs)
    runner.child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    runner.child.stdin!.end()
  }).then(() => {
    // Its pipes (sockets here) are closed on our side too, a runner that was killed included.
    runner.child.stdin!.destroy()
    runner.child.stdout!.destroy()
    runner.child.stderr!.destroy()
  })
