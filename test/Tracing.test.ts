import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FastCheck as fc, Fiber, Tracer } from "effect"
import { existsSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { Manager, NodeMultiprocessing, Process, ProcessPool, ProcessQueue, Target } from "effect-multiprocessing"
import { tempDir } from "./support/tempDir.js"

/** test/fixtures/tracing.mjs: `traced(file, label)` makes a span in the child under a tracer writing to `file`. */
const tracing = Target.module<{ traced: (file: string, label: string) => Effect.Effect<number> }>(
  new URL("./fixtures/tracing.mjs", import.meta.url)
)

/** A span as the children's tracer writes it (test/fixtures/tracing.mjs). */
interface ChildSpan {
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | null
  readonly pid: number
  readonly attributes: Record<string, unknown>
}

const childSpans = (file: string): Array<ChildSpan> =>
  existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as ChildSpan) : []

/** The parent's tracer: Effect's own, each span it makes kept in `spans`. */
const recordingTracer = Effect.map(Effect.tracer, (base) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = base.span(...args)
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
})

const named = (spans: ReadonlyArray<Tracer.Span>, name: string) => spans.filter((span) => span.name === name)

const parentIdOf = (span: Tracer.Span) => span.parent._tag === "Some" ? span.parent.value.spanId : undefined

/** A test with the Node backend, a temporary directory and a recording tracer. */
const traced = (
  name: string,
  body: (setup: { file: string; spans: Array<Tracer.Span> }) => Effect.Effect<void, unknown, any>
) =>
  it.scopedLive(name, () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("tracing-test-")
      const { spans, tracer } = yield* recordingTracer
      yield* body({ file: path.join(dir, "spans.jsonl"), spans }).pipe(Effect.withTracer(tracer))
    }).pipe(Effect.provide(NodeMultiprocessing.layer)) as Effect.Effect<void, unknown>)

describe("Tracing across processes", () => {
  traced("a child's Effect target runs under its Process.start span: same trace, that span its parent", ({ file, spans }) =>
    Effect.gen(function*() {
      const [root, pid] = yield* Effect.gen(function*() {
        const child = yield* Process.make({ target: tracing.traced, args: [file, "process"] })
        yield* child.start
        expect(yield* child.join()).toBe(0)
        return [yield* Effect.orDie(Effect.currentSpan), child.pid] as const
      }).pipe(Effect.withSpan("test.root"))
      const [start] = named(spans, "Process.start")
      expect(start).toBeDefined()
      expect(parentIdOf(start)).toBe(root.spanId)
      expect(start.traceId).toBe(root.traceId)
      expect(start.attributes.get("process.pid")).toBe(pid)
      expect(start.status._tag).toBe("Ended")
      const [join] = named(spans, "Process.join")
      expect(join.attributes.get("process.exit_code")).toBe(0)
      expect(parentIdOf(join)).toBe(root.spanId)

      const [work, ...more] = childSpans(file)
      expect(more).toEqual([])
      expect(work).toMatchObject({ name: "child.work", traceId: root.traceId, parentSpanId: start.spanId, pid })
      expect(work.pid).not.toBe(process.pid)
    }))

  traced("a child started outside any span starts a trace of its own: its span has no parent of ours", ({ file, spans }) =>
    Effect.gen(function*() {
      const child = yield* Process.make({ target: tracing.traced, args: [file, "alone"] })
      yield* child.start
      expect(yield* child.join()).toBe(0)
      // Process.start is a root span; the child's span is its child.
      const [start] = named(spans, "Process.start")
      expect(parentIdOf(start)).toBeUndefined()
      expect(childSpans(file)).toMatchObject([{ traceId: start.traceId, parentSpanId: start.spanId }])
    }))

  it.scopedLive("without a tracer of the program's own, no span is made and none travels: the child's spans start their own trace", () =>
    Effect.gen(function*() {
      const file = path.join(yield* tempDir("tracing-test-"), "spans.jsonl")
      const pool = yield* ProcessPool.make({ processes: 1 })
      yield* Effect.gen(function*() {
        const child = yield* Process.make({ target: tracing.traced, args: [file, "process"] })
        yield* child.start
        expect(yield* child.join()).toBe(0)
        yield* pool.apply(tracing.traced, [file, "apply"])
        yield* pool.map((x: number) => x, [1, 2, 3])
      }).pipe(Effect.withSpan("test.root"))
      const made = childSpans(file)
      expect(made.map((span) => span.attributes.label)).toEqual(["process", "apply"])
      for (const span of made) expect(span.parentSpanId).toBeNull()
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  traced("a pool task's Effect runs under its ProcessPool.apply span, which names the worker that ran it", ({ file, spans }) =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 1 })
      const pid = yield* pool.apply(tracing.traced, [file, "apply"]).pipe(Effect.withSpan("test.root"))
      const [apply] = named(spans, "ProcessPool.apply")
      expect(apply.attributes.get("pool.worker.pid")).toBe(pid)
      expect(apply.attributes.get("pool.function")).toMatch(/^traced /)
      expect(apply.status._tag === "Ended" && Exit.isSuccess(apply.status.exit)).toBe(true)
      expect(childSpans(file)).toMatchObject([{ name: "child.work", traceId: apply.traceId, parentSpanId: apply.spanId, pid }])
      // The workers' starts have spans too.
      expect(named(spans, "ProcessPool.startWorker").map((span) => span.attributes.get("process.name"))).toHaveLength(1)
    }))

  traced("a manager's calls have spans named by object and method, naming the manager's process", ({ spans }) =>
    Effect.gen(function*() {
      const manager = yield* Manager.make()
      const d = yield* manager.dict<string, number>()
      yield* d.setItem("k", 1)
      expect(yield* d.get("k")).toBe(1)
      const [set] = named(spans, "dict.setItem")
      const [get] = named(spans, "dict.get")
      for (const span of [set, get]) {
        expect(span.status._tag).toBe("Ended")
        expect(span.attributes.get("served.owner.pid")).toBe(manager.pid)
      }
    }))

  traced("a queue's get that waits has a span, one answered at once has none", ({ spans }) =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make<string>()
      const waiting = yield* Effect.fork(q.get())
      // The child starts long after the get has begun to wait.
      yield* Process.start({ target: (queue: { put(item: string): unknown }) => queue.put("from the child"), args: [q] })
      expect(yield* Fiber.join(waiting)).toBe("from the child")
      yield* q.put("at hand")
      expect(yield* q.get()).toBe("at hand")
      const gets = named(spans, "ProcessQueue.get")
      expect(gets).toHaveLength(1)
      expect(gets[0].attributes.get("queue.owner.pid")).toBe(process.pid)
      expect(gets[0].attributes.get("queue.kind")).toBe("Queue")
      expect(named(spans, "ProcessQueue.put")).toEqual([])
    }))

  it.live.prop(
    "a map's chunks are ProcessPool.task spans under its own, each the parent of the spans its items made on the worker",
    [fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5 })],
    ([items, chunksize]) =>
      Effect.gen(function*() {
        const dir = yield* tempDir("tracing-test-")
        const file = path.join(dir, "spans.jsonl")
        const { spans, tracer } = yield* recordingTracer
        const pool = yield* ProcessPool.make({ processes: 2 })
        const labels = Array.from({ length: items }, (_, i) => `item-${i}`)
        const pids = yield* pool.starmap(tracing.traced, labels.map((label) => [file, label] as const), { chunksize }).pipe(
          Effect.withTracer(tracer)
        )
        const [map] = named(spans, "ProcessPool.starmap")
        const tasks = named(spans, "ProcessPool.task")
        expect(tasks.map((task) => task.attributes.get("pool.task.index"))).toEqual(
          Array.from({ length: Math.ceil(items / chunksize) }, (_, i) => i)
        )
        for (const task of tasks) {
          expect(parentIdOf(task)).toBe(map.spanId)
          expect(task.status._tag).toBe("Ended")
        }
        const bySpanId = new Map(tasks.map((task) => [task.spanId, task]))
        const made = childSpans(file)
        expect(made.map((span) => span.attributes.label).sort()).toEqual([...labels].sort())
        for (const span of made) {
          const task = bySpanId.get(span.parentSpanId!)!
          expect(task).toBeDefined()
          expect(span.traceId).toBe(map.traceId)
          expect(task.attributes.get("pool.worker.pid")).toBe(span.pid)
          // The item is one of the chunk's: its index within [first, first + size).
          const index = Number(String(span.attributes.label).slice("item-".length))
          const first = task.attributes.get("pool.task.first") as number
          expect(index).toBeGreaterThanOrEqual(first)
          expect(index).toBeLessThan(first + (task.attributes.get("pool.task.size") as number))
          expect(pids[index]).toBe(span.pid)
        }
      }).pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)) as Effect.Effect<void, unknown>,
    { fastCheck: { numRuns: 3 } }
  )
})
