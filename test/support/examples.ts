/**
 * Running the programs of examples/ as their users do, for the tests of test/examples/ (one file a
 * topic, so that several vitest workers share them instead of one running them all in turn).
 */
import { execFile, spawn } from "node:child_process"
import { promisify } from "node:util"
import { expect } from "vitest"
import { projectRoot, typescriptProgram } from "./processes.js"

export interface Run {
  readonly stdout: string
  /** When each line of stdout arrived, in order (milliseconds since the epoch). */
  readonly arrivals: ReadonlyArray<number>
  readonly exitedAt: number
  /** The program's pid. */
  readonly pid: number
}

/** Children start slowly on a loaded machine, more so from the TypeScript source: each example gets two minutes. */
export const exampleTimeout = 120_000

/** The module that sets a program's start method before it runs (test/fixtures/start-method.mjs). */
const startMethodPreload = new URL("../fixtures/start-method.mjs", import.meta.url).href

/**
 * Runs an example the way its users do, `node --import tsx examples/<name>.ts`
 * from the repository's root (see typescriptProgram): the package's name resolves to its build (dist/), as for a
 * user of the published package. It must exit 0 and write nothing to stderr.
 * With `startMethod`, the program runs as if it began with `setStartMethod(startMethod)`.
 */
export const runExample = async (name: string, env: Record<string, string> = {}, startMethod?: "thread"): Promise<Run> => {
  const [command, program] = typescriptProgram(`examples/${name}.ts`)
  const args = startMethod === undefined
    ? program
    : [...program.slice(0, -1), "--import", startMethodPreload, ...program.slice(-1)]
  if (startMethod !== undefined) env = { ...env, EXAMPLE_START_METHOD: startMethod }
  const child = spawn(command, args, { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
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
  return { stdout, arrivals, exitedAt: Date.now(), pid: child.pid! }
}

/**
 * Runs an example with its stdout on a pseudo-terminal (python3 is on every machine), started as
 * runExample starts it; what the terminal received.
 */
export const runExampleOnTerminal = async (name: string): Promise<string> => {
  const script = [
    "import os, subprocess, sys",
    "m, s = os.openpty()",
    "p = subprocess.Popen(sys.argv[1:], stdout=s, stdin=subprocess.DEVNULL)",
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
  const [command, args] = typescriptProgram(`examples/${name}.ts`)
  const { stdout } = await promisify(execFile)("python3", ["-c", script, command, ...args], { cwd: projectRoot })
  return stdout
}

/** The lines of a program's output. */
export const lines = (stdout: string) => stdout.trim().split("\n")

/** The lines that start with `prefix`, without it. */
export const after = (all: ReadonlyArray<string>, prefix: string) =>
  all.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length))

/** Node spreads a ten-number array over lines: compare with whitespace folded. */
export const folded = (stdout: string) => stdout.replace(/\s+/g, " ").trim()

/** Every integer in a text. */
export const numbers = (text: string) => text.match(/-?\d+/g)!.map(Number)
