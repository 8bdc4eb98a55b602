/**
 * Every ```ts block of README.md and docs/*.md runs, as a user would run it: the tests of
 * test/docs/ (the pages in shards, so that several vitest workers share them; the typecheck of
 * all blocks in one file).
 *
 * The convention, for whoever writes a page:
 * - A block whose first line is `// file: <name>.ts` is not run: it is written as
 *   that file beside the page's other blocks, for them to import (one block per
 *   name on a page). Import it by its `.js` name, as NodeNext code does
 *   (`import type * as Tasks from "./tasks.js"`,
 *   `Target.module<typeof Tasks>(new URL("./tasks.js", import.meta.url))`): tsx and
 *   the library's module targets both find the `.ts` source beside a `.js` name.
 * - Every other block is a whole program: written as its own file (with its page's
 *   `// file:` blocks) in a temporary directory inside the repository, so that
 *   `effect-multiprocessing` resolves to the build by package self-reference, and
 *   run there with tsx (see typescriptProgram). It must exit with code 0 within 90 s, leaving no process
 *   running and no file in its TMPDIR. The limit catches hangs, not slowness: a
 *   snippet whose children load `.ts` modules through tsx takes ~11 s alone on a
 *   2-core machine and took over 30 s on a loaded CI one.
 * - A ```text block right after a ts block (only blank lines between) is that
 *   block's expected stdout: each of its non-blank lines must be a whole line of
 *   stdout, in order (other lines may come between); `…` matches any text.
 * - All blocks are also typechecked together, against the build's declarations.
 */
import { execFile, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { projectRoot, typescriptProgram } from "./processes.js"

const root = projectRoot

const runTimeoutMs = 90_000

interface Block {
  /** The page, relative to the repository: `docs/pool.md`. */
  readonly page: string
  /** Line of the opening fence in the page (1-based). */
  readonly line: number
  readonly code: string
  /** The `// file:` name of a block that is a module for the others, not a program. */
  readonly moduleName: string | undefined
  /** Lines of the ```text block that follows, if any. */
  readonly expectedStdout: ReadonlyArray<string> | undefined
}

/** Every page with blocks: the README and docs/*.md. */
export const allPages = (): Array<string> => [
  "README.md",
  ...fs.readdirSync(path.join(root, "docs")).filter((name) => name.endsWith(".md")).sort().map((name) => `docs/${name}`)
]

/** The fenced blocks of a page, with their info strings and lines. */
const fencedBlocks = (text: string) => {
  const lines = text.split("\n")
  const blocks: Array<{ info: string; line: number; body: Array<string>; end: number }> = []
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)/)
    if (open === null) continue
    const [, indent, fence, info] = open
    const body: Array<string> = []
    let j = i + 1
    while (j < lines.length && !new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[j])) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart())
      j++
    }
    blocks.push({ info, line: i + 1, body, end: j })
    i = j
  }
  return { lines, blocks }
}

const parsePage = (page: string): Array<Block> => {
  const { blocks, lines } = fencedBlocks(fs.readFileSync(path.join(root, page), "utf8"))
  const result: Array<Block> = []
  blocks.forEach((block, index) => {
    if (block.info !== "ts" && block.info !== "typescript") return
    const next = blocks[index + 1]
    const onlyBlankBetween = next !== undefined && lines.slice(block.end + 1, next.line - 1).every((l) => l.trim() === "")
    result.push({
      page,
      line: block.line,
      code: block.body.join("\n") + "\n",
      moduleName: block.body[0]?.match(/^\/\/ file: (\S+\.ts)\s*$/)?.[1],
      expectedStdout: next?.info === "text" && onlyBlankBetween ? next.body.filter((l) => l.trim() !== "") : undefined
    })
  })
  return result
}

/**
 * The blocks of `pages`, written (each page's in a folder of its own) into a temporary directory
 * inside the repository, so that the package resolves by its own name, as for a user; removed
 * after the file's tests.
 */
const writtenBlocks = (pages: ReadonlyArray<string>) => {
  const blocks = pages.flatMap(parsePage)
  const files = { blocks, workDir: "", snippetTmpDir: "" }
  beforeAll(() => {
    files.workDir = fs.mkdtempSync(path.join(root, ".docs-snippets-"))
    // The snippets' TMPDIR, where the library makes its sockets' private directories: what a
    // snippet leaves there is a leak. Short, under the system's: a Unix socket's path has ~107 bytes.
    files.snippetTmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "emp-docs-"))
    for (const block of blocks) {
      fs.mkdirSync(pageDir(files.workDir, block.page), { recursive: true })
      fs.writeFileSync(programFile(files.workDir, block), block.code)
    }
  })
  afterAll(() => {
    if (files.workDir !== "") fs.rmSync(files.workDir, { recursive: true, force: true })
    if (files.snippetTmpDir !== "") fs.rmSync(files.snippetTmpDir, { recursive: true, force: true })
  })
  return files
}
const pageDir = (workDir: string, page: string) => path.join(workDir, page.replace(/\.md$/, ""))
const programFile = (workDir: string, block: Block) => path.join(pageDir(workDir, block.page), block.moduleName ?? `line-${block.line}.ts`)
const where = (block: Block) => `${block.page}:${block.line}`

/** How many programs a page runs: what a shard's share is weighed by. */
const programCount = (page: string) => parsePage(page).filter((b) => b.moduleName === undefined).length

/**
 * The pages of shard `index` (from 1) of `count`: each page, the ones with most programs first, to
 * the shard with fewest programs so far. A new page lands in a shard by itself.
 */
export const pagesOfShard = (index: number, count: number): Array<string> => {
  const shards = Array.from({ length: count }, () => ({ pages: [] as Array<string>, programs: 0 }))
  const weighed = allPages().map((page) => ({ page, programs: programCount(page) }))
  for (const { page, programs } of weighed.sort((a, b) => b.programs - a.programs || a.page.localeCompare(b.page))) {
    const lightest = shards.reduce((best, shard) => shard.programs < best.programs ? shard : best)
    lightest.pages.push(page)
    lightest.programs += programs
  }
  return shards[index - 1].pages
}

/** Live processes of a process group (a snippet runs as the leader of its own). */
const groupMembers = (group: number): Array<number> =>
  fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name)).flatMap((name) => {
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8")
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      return Number(pgrp) === group && state !== "Z" ? [Number(name)] : []
    } catch {
      return [] // gone while we looked
    }
  })

const killGroup = (group: number) => {
  try {
    process.kill(-group, "SIGKILL")
  } catch {
    // already gone
  }
}

interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly timedOut: boolean
  /** Processes of the snippet's group still running a while after it exited. */
  readonly leftBehind: ReadonlyArray<number>
  /** What it left in its TMPDIR (tsx's cache aside). */
  readonly tempFilesLeft: ReadonlyArray<string>
}

const runProgram = (file: string, snippetTmpDir: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    // Its own process group, so that a timeout can stop the program with every process it started.
    const [command, args] = typescriptProgram(file)
    const child = spawn(command, args, {
      cwd: path.dirname(file),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TMPDIR: snippetTmpDir }
    })
    const group = child.pid!
    let stdout = ""
    let stderr = ""
    let timedOut = false
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(group)
    }, runTimeoutMs)
    child.on("error", reject)
    // At exit, not at the end of its output: a child left running would hold stdout open.
    const exited = new Promise<Omit<Run, "stdout" | "stderr">>((settle) =>
      child.on("exit", async (code, signal) => {
        clearTimeout(timer)
        // Children notice their parent leave and exit: give them a moment, then count what is left.
        const deadline = Date.now() + 5000
        while (groupMembers(group).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
        const leftBehind = groupMembers(group)
        killGroup(group)
        const tempFilesLeft = fs.readdirSync(snippetTmpDir).filter((name) => !name.startsWith("tsx-"))
        for (const name of tempFilesLeft) fs.rmSync(path.join(snippetTmpDir, name), { recursive: true, force: true })
        settle({ code, signal, timedOut, leftBehind, tempFilesLeft })
      })
    )
    child.on("close", () => exited.then((run) => resolve({ ...run, stdout, stderr })))
  })

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
const linePattern = (expected: string) => new RegExp(`^${expected.trimEnd().split("…").map(escapeRegExp).join(".*")}$`)

/** The first expected line not found in order in `stdout`, or undefined when all are. */
const missingLine = (expected: ReadonlyArray<string>, stdout: string): string | undefined => {
  const actual = stdout.split("\n").map((l) => l.trimEnd())
  let from = 0
  for (const line of expected) {
    const pattern = linePattern(line)
    const found = actual.findIndex((l, i) => i >= from && pattern.test(l))
    if (found === -1) return line
    from = found + 1
  }
  return undefined
}

/** A test for each program block of `pages`: it runs, exits 0, leaves nothing behind and prints what its page says. */
export const describeSnippets = (pages: ReadonlyArray<string>) => {
  const files = writtenBlocks(pages)
  describe(`doc snippets of ${pages.join(", ")}`, () => {
    for (const block of files.blocks.filter((b) => b.moduleName === undefined)) {
      it(where(block), async () => {
        const run = await runProgram(programFile(files.workDir, block), files.snippetTmpDir)
        const report = `${where(block)}\n--- stdout ---\n${run.stdout}--- stderr ---\n${run.stderr}`
        expect(run.timedOut, `timed out after ${runTimeoutMs / 1000} s: ${report}`).toBe(false)
        expect(run.code, `exited with ${run.code ?? run.signal}: ${report}`).toBe(0)
        expect(run.leftBehind, `left processes running: ${report}`).toEqual([])
        expect(run.tempFilesLeft, `left temporary files: ${report}`).toEqual([])
        if (block.expectedStdout !== undefined) {
          const missing = missingLine(block.expectedStdout, run.stdout)
          expect(missing, `stdout lacks the expected line ${JSON.stringify(missing)} (in order): ${report}`).toBeUndefined()
        }
      }, runTimeoutMs + 15_000)
    }
  })
}

/** Every block of every page, typechecked together; no two `// file:` blocks of a page alike. */
export const describeTypecheck = () => {
  const files = writtenBlocks(allPages())
  describe("doc snippets, all together", () => {
    it("no page names two `// file:` blocks alike (one would overwrite the other)", () => {
      const names = files.blocks.filter((b) => b.moduleName !== undefined).map((b) => `${b.page}: ${b.moduleName}`)
      expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([])
    })

    it("every snippet typechecks against the build's declarations", async () => {
      // The repository's options, but the package resolves to dist/ as for a user (not to src/
      // through "paths"), and values shown only in a comment may go unused.
      fs.writeFileSync(
        path.join(files.workDir, "tsconfig.json"),
        JSON.stringify({
          extends: path.relative(files.workDir, path.join(root, "tsconfig.json")),
          compilerOptions: { paths: {}, noUnusedLocals: false, noUnusedParameters: false },
          include: ["**/*.ts"]
        })
      )
      const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc")
      const result = await promisify(execFile)(process.execPath, [tsc, "-p", files.workDir], { cwd: files.workDir }).then(
        () => "",
        (error: { stdout: string; stderr: string }) => error.stdout + error.stderr
      )
      // tsc names the generated file and its line: name the page's line instead.
      const located = result.replace(/^(\S+?\.ts)\((\d+),(\d+)\)/gm, (text, file: string, line: string, column: string) => {
        const block = files.blocks.find((b) => path.relative(files.workDir, programFile(files.workDir, b)) === file)
        return block === undefined ? text : `${block.page}:${block.line + Number(line)}:${column}`
      })
      expect(located).toBe("")
    }, 120_000)
  })
}
