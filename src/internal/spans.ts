/**
 * Tracing across processes, the parent's side: spans around operations that
 * cross processes, the span as plain data for a child (its Start message, a
 * pool task), and spans made from callbacks (a map's chunks settle outside any
 * fiber). The child's side is `settle` in `child/targets.ts`: an Effect target
 * runs under `Tracer.externalSpan` of what is sent here.
 *
 * Spans are made only when the program has a tracer of its own. Effect's
 * default one keeps spans in memory, where nobody sees them, and one costs
 * several microseconds (makeSpan, a parent in the context, its end): on the
 * per-task path that would be a measurable share of a round trip for nothing.
 */
import { Clock, Effect, Exit, Runtime, Stream, type Tracer } from "effect"
import type { SpanContext } from "../Multiprocessing.js"
import { StartNowKey } from "./faces.js"

/** Effect's default tracer, as every fiber has it until a program provides another. */
const defaultTracer = Effect.runSync(Effect.tracer)

/** A span's identity, as a child is told it. */
export const spanContextOf = (span: Tracer.AnySpan): SpanContext => ({
  traceId: span.traceId,
  spanId: span.spanId,
  sampled: span.sampled
})

/**
 * `f(span)` inside a span named `name` (the parent of what `f` does), when a
 * tracer is installed; `f(undefined)`, with no span, when none is.
 */
export const withSpan = <A, E, R>(
  name: string,
  attributes: Record<string, unknown>,
  f: (span: Tracer.Span | undefined) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.tracer, (tracer) =>
    tracer === defaultTracer
      ? f(undefined)
      : Effect.useSpan(name, { attributes, captureStackTrace: false }, (span) => Effect.withParentSpan(f(span), span)))

/** `stream` inside a span named `name` when a tracer is installed. */
export const streamWithSpan = <A, E, R>(name: string, stream: Stream.Stream<A, E, R>): Stream.Stream<A, E, R> =>
  Stream.unwrap(Effect.map(Effect.tracer, (tracer) =>
    tracer === defaultTracer ? stream : Stream.withSpan(stream, name, { captureStackTrace: false })))

/** Spans started and ended from callbacks, each a child of the span current where they were made. */
export interface CallbackSpans {
  readonly start: (attributes: Record<string, unknown>) => Tracer.Span
  readonly end: (span: Tracer.Span, exit: Exit.Exit<unknown, unknown>, attributes?: Record<string, unknown>) => void
}

/** Spans named `name` made from callbacks, with the current fiber's tracer, clock and parent span; none without a tracer. */
export const callbackSpans = (name: string): Effect.Effect<CallbackSpans | undefined> =>
  Effect.flatMap(Effect.tracer, (tracer) =>
    tracer === defaultTracer ? Effect.succeed(undefined) : Effect.map(Effect.runtime<never>(), (runtime) => {
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
    }))

/**
 * An operation (see `operation` in faces.ts) with a span in the Effect face:
 * around all of it when `always` (a call to another process), else only once
 * it waits (`start` gave no Exit). `describe` names the span, when one is made.
 * The compat face starts it without a span.
 */
export const tracedOperation = <A, E, R = never>(
  always: boolean,
  describe: () => readonly [name: string, attributes: Record<string, unknown>],
  start: () => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  const spanned = (effect: Effect.Effect<A, E, R>) => {
    const [name, attributes] = describe()
    return withSpan(name, attributes, () => effect)
  }
  const effect = always
    ? Effect.suspend(() => spanned(Effect.suspend(start)))
    : Effect.suspend(() => {
      const started = start()
      return Exit.isExit(started) ? started : spanned(started)
    })
  return Object.assign(effect, { [StartNowKey]: start })
}
