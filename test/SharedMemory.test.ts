/**
 * Python's multiprocessing.shared_memory through both faces: segments created and attached by name,
 * Python's errors, ShareableList in Python's layout (a Python process reads and writes ours), a
 * SharedMemoryManager freeing what it made, and segments that reach a child Process attached by name,
 * or an unrelated node program that attaches by name.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Effect, FastCheck as fc } from "effect"
import { NodeMultiprocessing, Process, ShareableList, SharedMemory, SharedMemoryManager } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import { projectRoot } from "./support/processes.js"

const exists = (name: string) => fs.existsSync(`/dev/shm/${name}`)

afterAll(() => {
  const ours = fs.readdirSync("/dev/shm").filter((name) => new RegExp(`^emp-[a-z]+-${process.pid}-`).test(name))
  expect(ours, "segments left in /dev/shm by this test file").toEqual([])
})
const compatEntry = new URL("../dist/compat/index.js", import.meta.url).href
/** Run with the addon disabled, these files test only that shared memory says so (there is no fallback). */
const disabled = process.env.EFFECT_MULTIPROCESSING_NATIVE === "0"

/** Runs a separate node program (an ES module given as text) from the project root; its stdout. */
const runNode = (source: string, env: Record<string, string> = {}) => {
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", source], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    encoding: "utf8"
  })
  expect(run.stderr).toBe("")
  expect(run.status).toBe(0)
  return run.stdout.trim()
}

it("without the addon every constructor fails with SharedMemoryUnavailableError, saying how to build it", () => {
  const output = runNode(`
    import { Effect } from "effect"
    import { ShareableList, SharedMemory, SharedMemoryManager } from "effect-multiprocessing"
    const failures = await Effect.runPromise(Effect.scoped(Effect.all([
      Effect.flip(SharedMemory.make({ create: true, size: 8 })),
      Effect.flip(ShareableList.make([1])),
      Effect.flatMap(SharedMemoryManager.make(), (manager) => Effect.flip(manager.SharedMemory(8)))
    ])))
    console.log(JSON.stringify(failures.map((error) => [error._tag, error.message])))`, { EFFECT_MULTIPROCESSING_NATIVE: "0" })
  const failures = JSON.parse(output) as Array<[string, string]>
  expect(failures.map(([tag]) => tag)).toEqual(Array(3).fill("SharedMemoryUnavailableError"))
  expect(failures[0][1]).toContain("npm run build")
})

describe.skipIf(disabled)("SharedMemory (Effect face)", () => {
  it.scopedLive("create zero-fills, attach by name maps the same memory, close empties buf, unlink removes the name once", () =>
    Effect.gen(function*() {
      const shm = yield* SharedMemory.make({ create: true, size: 4096 })
      expect(shm.size).toBe(4096)
      expect(shm.name).not.toMatch(/^\//) // Python's form of the name
      expect(shm.buf.every((byte) => byte === 0)).toBe(true)
      const there = yield* SharedMemory.make({ name: shm.name })
      new Float64Array(shm.buf.buffer)[3] = 2.5
      expect(new Float64Array(there.buf.buffer)[3]).toBe(2.5)
      expect(there.size).toBe(4096)
      yield* there.close
      yield* there.close // idempotent
      expect(there.buf.length).toBe(0)
      expect(exists(shm.name)).toBe(true)
      yield* shm.unlink
      expect(exists(shm.name)).toBe(false)
      expect(shm.buf[3 * 8 + 7]).toBe(new Uint8Array(new Float64Array([2.5]).buffer)[7]) // still mapped here
      expect((yield* Effect.flip(shm.unlink))._tag).toBe("FileNotFoundError")
    }))

  it.scopedLive("fails with Python's errors: a name taken, a name absent, a size of 0, no name to attach by", () =>
    Effect.gen(function*() {
      const name = `emp-test-${process.pid}-named`
      const shm = yield* SharedMemory.make({ name, create: true, size: 16 })
      expect(shm.name).toBe(name)
      const taken = yield* Effect.flip(SharedMemory.make({ name: `/${name}`, create: true, size: 16 }))
      expect(taken._tag).toBe("FileExistsError")
      expect(taken.message).toContain(name)
      yield* shm.unlink
      expect((yield* Effect.flip(SharedMemory.make({ name }))) ._tag).toBe("FileNotFoundError")
      expect((yield* Effect.flip(SharedMemory.make({ create: true, size: 0 })))._tag).toBe("ValueError")
      expect((yield* Effect.flip(SharedMemory.make({ create: true, size: -1 })))._tag).toBe("ValueError")
      expect((yield* Effect.flip(SharedMemory.make({ create: true, size: 1.5 })))._tag).toBe("TypeError")
      expect((yield* Effect.flip(SharedMemory.make({})))._tag).toBe("ValueError")
      expect((yield* Effect.flip(SharedMemory.make({ name: "a/b", create: true, size: 8 })))._tag).toBe("ValueError")
    }))

  it.scopedLive("a segment made without a name and never unlinked is gone when its Scope's process ends", () =>
    Effect.sync(() => {
      const name = runNode(`
        import { Effect } from "effect"
        import { SharedMemory } from "effect-multiprocessing"
        const shm = await Effect.runPromise(SharedMemory.make({ create: true, size: 64 }).pipe(Effect.scoped))
        console.log(shm.name)`)
      expect(name).toMatch(/^emp-shm-\d+-/)
      expect(exists(name)).toBe(false)
    }))

  it.scopedLive("reaches a child Process attached by name: the child's writes are the parent's memory", () =>
    Effect.gen(function*() {
      const shm = yield* SharedMemory.make({ create: true, size: 8 * 1000 })
      const values = new Float64Array(shm.buf.buffer)
      values.forEach((_, i) => (values[i] = i))
      const child = yield* Process.start({
        target: (shm: SharedMemory.SharedMemory) => {
          const view = new Float64Array(shm.buf.buffer)
          let sum = 0
          for (let i = 0; i < view.length; i++) sum += view[i]
          view[0] = -1
          return [shm.name, shm.size, sum]
        },
        args: [shm]
      })
      expect(yield* child.result).toEqual([shm.name, 8000, (999 * 1000) / 2])
      expect(values[0]).toBe(-1)
      yield* shm.unlink
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a SharedMemoryManager unlinks what it made when its Scope closes", () =>
    Effect.gen(function*() {
      const names = yield* Effect.scoped(Effect.gen(function*() {
        const manager = yield* SharedMemoryManager.make()
        const shm = yield* manager.SharedMemory(128)
        const list = yield* manager.ShareableList([1, "two", null])
        expect(exists(shm.name) && exists(list.shm.name)).toBe(true)
        return [shm.name, list.shm.name]
      }))
      expect(names.map(exists)).toEqual([false, false])
      const manager = yield* SharedMemoryManager.make()
      yield* manager.shutdown
      expect((yield* Effect.flip(manager.SharedMemory(8)))._tag).toBe("ValueError")
    }))
})

const item: fc.Arbitrary<ShareableList.Item> = fc.oneof(
  fc.maxSafeInteger(),
  fc.double().filter((x) => !Number.isInteger(x) || Object.is(x, -0)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((n) => !Number.isSafeInteger(Number(n)) || n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)),
  fc.boolean(),
  fc.string({ unit: "grapheme", maxLength: 20 }).filter((s) => !s.endsWith("\0")), // Python strips trailing NULs
  fc.uint8Array({ maxLength: 20 }).filter((b) => b.length === 0 || b[b.length - 1] !== 0),
  fc.constant(null)
)

describe.skipIf(disabled)("ShareableList (Effect face)", () => {
  it.scoped.prop("reads back what it was made of, in another mapping too, and takes any item that fits", [fc.array(item, { maxLength: 12 }), item], ([items, replacement]) =>
    Effect.gen(function*() {
      const list = yield* ShareableList.make(items)
      expect(list.length).toBe(items.length)
      const there = yield* ShareableList.make(undefined, { name: list.shm.name })
      expect(yield* there.items).toEqual(items)
      if (items.length > 0) {
        const fits = yield* Effect.either(list.set(-1, replacement))
        if (fits._tag === "Right") expect(yield* there.get(items.length - 1)).toEqual(replacement)
        else expect(fits.left._tag).toBe("ValueError") // a longer string or bytes than the slot's room
      }
      expect((yield* Effect.flip(list.get(items.length)))._tag).toBe("IndexError")
      yield* list.shm.unlink
    }), { fastCheck: { numRuns: 60 } })

  it.scoped("count, index, format and its errors are Python's", () =>
    Effect.gen(function*() {
      const list = yield* ShareableList.make([1, 2.5, "a", true, null, 1, new Uint8Array([7])])
      expect(list.format).toBe("qd8sxxxxxxx?xxxxxx?xq8s")
      expect(yield* list.count(1)).toBe(2)
      expect(yield* list.count(new Uint8Array([7]))).toBe(1)
      expect(yield* list.index(null)).toBe(4)
      expect((yield* Effect.flip(list.index("absent")))._tag).toBe("ValueError")
      expect((yield* Effect.flip(list.set(2, "123456789")))._tag).toBe("ValueError")
      yield* list.set(0, "12345678") // an int's 8 bytes take a str of 8
      expect(yield* list.get(0)).toBe("12345678")
      expect((yield* Effect.flip(list.set(0, undefined as never)))._tag).toBe("TypeError")
      expect((yield* Effect.flip(ShareableList.make([{} as never])))._tag).toBe("TypeError")
      expect((yield* Effect.flip(ShareableList.make([2n ** 64n])))._tag).toBe("ValueError")
      yield* list.shm.unlink
    }))

  it.scoped("a Python process attaches to our SharedMemory and ShareableList by name, reads them and writes them", () =>
    Effect.gen(function*() {
      const shm = yield* SharedMemory.make({ create: true, size: 10 })
      shm.buf[0] = 42
      const list = yield* ShareableList.make([1, 2.5, "héllo", true, "x"])
      const python = spawnSync("python3", [fileURLToPath(new URL("fixtures/python/shared_memory_peer.py", import.meta.url)), shm.name, list.shm.name], { encoding: "utf8" })
      expect(python.stderr).toBe("")
      expect(JSON.parse(python.stdout)).toEqual({ first: 42, size: 10, items: [1, 2.5, "héllo", true, "x"], format: "qd8sxxxxxxx?8s" })
      expect(shm.buf[1]).toBe(200)
      expect(yield* list.items).toEqual([123456789012, 2.5, "py", true, null])
      yield* shm.unlink
      yield* list.shm.unlink
    }))

  it.scoped("we attach to a Python process's SharedMemory and ShareableList by name, read them and write them", () =>
    Effect.gen(function*() {
      const python = spawn("python3", [fileURLToPath(new URL("fixtures/python/shared_memory_owner.py", import.meta.url))], { stdio: ["pipe", "pipe", "inherit"] })
      const lines = createInterface({ input: python.stdout! })[Symbol.asyncIterator]()
      const next = () => Effect.promise(async () => JSON.parse((await lines.next()).value as string))
      const names = yield* next()
      const shm = yield* SharedMemory.make({ name: names.shm })
      const list = yield* ShareableList.make(undefined, { name: names.list })
      expect([shm.buf[0], shm.size]).toEqual([7, 16])
      expect(yield* list.items).toEqual([1, 2.5, "python", new TextEncoder().encode("bytes"), null, false])
      shm.buf[1] = 8
      yield* list.set(0, -5)
      yield* list.set(2, "ts")
      yield* list.set(5, true)
      python.stdin!.end("\n")
      expect(yield* next()).toEqual({ second: 8, items: [-5, 2.5, "ts", "bytes", null, true] })
      yield* Effect.promise(() => new Promise((resolve) => (python.exitCode !== null ? resolve(undefined) : python.on("exit", resolve))))
      expect(python.exitCode).toBe(0)
      expect(exists(names.shm) || exists(names.list)).toBe(false) // Python unlinked its own
    }))
})

describe.skipIf(disabled)("shared_memory (compat face)", () => {
  it("SharedMemory with Python's keyword and positional forms, ShareableList with get/set, errors with Python's names", () => {
    const shm = new compat.SharedMemory({ create: true, size: 32 })
    const again = new compat.SharedMemory(shm.name, false)
    shm.buf[5] = 9
    expect(again.buf[5]).toBe(9)
    again.close()
    expect(() => new compat.SharedMemory(shm.name, true, 32)).toThrow(compat.FileExistsError)
    expect(() => new compat.SharedMemory({ create: true, size: 0 })).toThrow(compat.ValueError)
    shm.close()
    shm.unlink()
    expect(() => shm.unlink()).toThrow(compat.FileNotFoundError)
    expect(() => new compat.SharedMemory(shm.name)).toThrow(compat.FileNotFoundError)

    const list = new compat.ShareableList(["a", 1, null])
    const there = new compat.ShareableList(null, { name: list.shm.name })
    there.set(1, 2.5)
    expect([...list]).toEqual(["a", 2.5, null])
    expect(list.get(-3)).toBe("a")
    expect(() => list.get(3)).toThrow(compat.IndexError)
    expect(list.index(null)).toBe(2)
    there.shm.close()
    list.shm.close()
    list.shm.unlink()

    const manager = new compat.SharedMemoryManager()
    manager.start()
    const made = [manager.SharedMemory(64).name, manager.ShareableList([1, 2]).shm.name]
    expect(made.map(exists)).toEqual([true, true])
    manager.shutdown()
    expect(made.map(exists)).toEqual([false, false])
  })

  it("a compat SharedMemory and ShareableList reach a compat child attached by name, in the compat face", async () => {
    const shm = new compat.SharedMemory({ create: true, size: 8 })
    const list = new compat.ShareableList([0, "seen?"])
    const child = new compat.Process({
      target: (shm: compat.SharedMemory, list: compat.ShareableList) => {
        shm.buf[0] = 77
        list.set(0, list.length)
        list.set(1, shm.constructor.name.slice(0, 8)) // a compat SharedMemory, not the Effect object
      },
      args: [shm, list]
    })
    child.start()
    await child.join()
    expect(child.exitCode).toBe(0)
    expect(shm.buf[0]).toBe(77)
    expect([...list]).toEqual([2, "SharedMe"]) // the slot keeps its room: 8 bytes
    child.close()
    shm.close()
    shm.unlink()
    list.shm.close()
    list.shm.unlink()
  })

  it("an unrelated node program attaches by name and writes; without the addon it fails with SharedMemoryUnavailableError", () => {
    const shm = new compat.SharedMemory({ create: true, size: 16 })
    const attach = `
      import { SharedMemory } from ${JSON.stringify(compatEntry)}
      try {
        const shm = new SharedMemory(${JSON.stringify(shm.name)})
        shm.buf[15] = shm.size
        shm.close()
        console.log("attached")
      } catch (error) {
        console.log(error.name + ": " + error.message)
      }`
    expect(runNode(attach)).toBe("attached")
    expect(shm.buf[15]).toBe(16)
    const disabled = runNode(attach, { EFFECT_MULTIPROCESSING_NATIVE: "0" })
    expect(disabled).toMatch(/^SharedMemoryUnavailableError: .*EFFECT_MULTIPROCESSING_NATIVE=0.*npm run build/)
    shm.close()
    shm.unlink()
  })
})
