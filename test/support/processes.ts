/** Reading the process table from /proc, to see what a test left running. */
import * as fs from "node:fs"

interface Entry {
  readonly pid: number
  readonly ppid: number
  readonly state: string
}

const readEntry = (pid: number): Entry | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    // The command name may contain spaces and parentheses: the fields follow the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return { pid, ppid: Number(fields[1]), state: fields[0] }
  } catch {
    return undefined
  }
}

const allProcesses = (): Array<Entry> =>
  fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map((name) => readEntry(Number(name)))
    .filter((entry): entry is Entry => entry !== undefined)

/** Live (not zombie) descendants of `root`. */
export const descendants = (root: number = process.pid): Array<number> => {
  const all = allProcesses()
  const found: Array<number> = []
  const frontier = [root]
  while (frontier.length > 0) {
    const parent = frontier.pop()!
    for (const entry of all) {
      if (entry.ppid === parent) {
        frontier.push(entry.pid)
        if (entry.state !== "Z") found.push(entry.pid)
      }
    }
  }
  return found
}

/** Whether a process exists and is not a zombie. */
export const isRunning = (pid: number): boolean => {
  const entry = readEntry(pid)
  return entry !== undefined && entry.state !== "Z"
}

export const waitUntil = async (condition: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (condition()) return true
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return condition()
}

/** The project's root, where test programs run (and resolve the package from). */
export const projectRoot = new URL("../..", import.meta.url).pathname

/** The path of a file in test/fixtures/. */
export const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname

/** Runs node with `args` from the project root; resolves with the first stdout line and the child. */
export const firstLine = (args: Array<string>, env: Record<string, string> = {}) =>
  import("node:child_process").then(({ spawn }) => {
    const child = spawn(process.execPath, args, { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] })
    return new Promise<{ line: string; child: typeof child }>((resolve, reject) => {
      let out = ""
      child.stdout!.on("data", (chunk) => {
        out += chunk
        const end = out.indexOf("\n")
        if (end >= 0) resolve({ line: out.slice(0, end), child })
      })
      child.on("exit", (code) => reject(new Error(`exited with ${code} before printing: ${out}`)))
    })
  })

/** Runs `node --import tsx` on a test fixture from the project root; resolves with its exit code and output. */
export const runUnderTsx = (fixture: string, args: ReadonlyArray<string> = []) =>
  import("node:child_process").then(({ execFile }) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const root = new URL("../..", import.meta.url).pathname
      const file = new URL(`../fixtures/${fixture}`, import.meta.url).pathname
      execFile(process.execPath, ["--import", "tsx", file, ...args], { cwd: root }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : (error as { code?: number }).code ?? null, stdout, stderr }))
    }))

/**
 * How the docs and examples tests run a TypeScript program: `node --import tsx <file>`, as its users
 * may, with the library's two faces loaded before tsx's hooks are. Every module loaded after the
 * hooks costs a round trip to their thread: with the library and Effect (~700 modules) a program took
 * 3.5 s of CPU through `tsx <file>` against 1.4 s this way, and the suite runs over a hundred of them
 * on two cores. The program loads the same modules either way. The package's name resolves from the
 * working directory, which must be inside the repository (its self-reference).
 */
export const typescriptProgram = (file: string): [command: string, args: Array<string>] => [
  process.execPath,
  ["--import", "effect-multiprocessing", "--import", "effect-multiprocessing/compat", "--import", "tsx", file]
]
