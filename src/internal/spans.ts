/**
 * Tracing across processes, the parent's side: the current span as plain data
 * for a child (its Start message, a pool task), and spans made from callbacks
 * (a map's chunks settle outside any fiber). The child's side is `settle` in
 * `child/targets.ts`: an Effect target runs under `Tracer.externalSpan` of what
 * is sent here. Spans go to whatever tracer the program provides; Effect's
 * default one keeps them in memory only, so without one they cost little.
 */
import { Clock, Effect, type Exit, Option, Runtime, Tracer } from "effect"
import type { SpanContext } from "../Multiprocessing.js"

/** A span's identity, as a child is told it. */
export const spanContextOf = (span: Tracer.AnySpan): SpanContext => ({
  traceId: span.traceId,
  spanId: span.spanId,
  sampled: span.sampled
})

/** The span the current fiber runs in, as data for a child; undefined outside any span. */
export const currentSpanContext: Effect.Effect<SpanContext | undefined> = Effect.map(
  Effect.serviceOption(Tracer.ParentSpan),
  (span) => Option.isSome(span) ? spanContextOf(span.value) : undefined
)

/** The span the current fiber runs in, when it is one of this process's (not an external parent). */
export const currentSpan: Effect.Effect<Tracer.Span | undefined> = Effect.map(
  Effect.serviceOption(Tracer.ParentSpan),
  (span) => Option.isSome(span) && span.value._tag === "Span" ? span.value : undefined
)

/** Spans started and ended from callbacks, each a child of the span current where they were made. */
export interface CallbackSpans {
  readonly start: (attributes: Record<string, unknown>) => Tracer.Span
  readonly end: (span: Tracer.Span, exit: Exit.Exit<unknown, unknown>, attributes?: Record<string, unknown>) => void
}

/** Spans named `name` made from callbacks, with the current fiber's tracer, clock and parent span. */
export const callbackSpans = (name: string): Effect.Effect<CallbackSpans> =>
  Effect.map(Effect.runtime<never>(), (runtime) => {
    const run = Runtime.runSync(runtime)
    return {
      start: (attributes) => run(Effect.makeSpan(name, { attributes, captureStackTrace: false })),
      end: (span, exit, attributes) =>
        run(Effect.map(Clock.currentTimeNanos, (now) => {
          if (span.status._tag === "Ended") return
          if (attributes !== undefined) for (const key in attributes) span.attribute(key, attributes[key])
          span.end(now, exit)
        }))
    }
  })
