/**
 * The messages a parent and its child exchange on the child's control channel
 * (file descriptor 3, a socket pair), framed by `framing.ts` and encoded with
 * the default codec. Plain types: the child bootstrap reads them before Effect
 * is loaded; the parent checks what it receives with the `Outcome` Schema in
 * `nodeChild.ts`. What a process keeps for every copy of the library in it is
 * in `processGlobals.ts`.
 */
import type { ChildOutcome, ProcessIdentity, SpanContext, TargetSpec } from "../../Multiprocessing.js"
import type { PoolWorkerSettings } from "./workerChannel.js"

/** The parts of the Start and outcome messages the backend contract declares (`Multiprocessing.ts`). */
export type { ChildOutcome as OutcomeMessage, ProcessIdentity, SpanContext, TargetSpec }

/** The control channel's descriptor in the child. */
export const CONTROL_FD = 3

/**
 * Set in the environment of a ready process ("forkserver") only: such a child
 * closes `READY_FD` once it is booted and about to wait for its Start message,
 * which tells the parent it is ready, and removes the variable, so that its
 * target and its own children never see it.
 */
export const SPARE_ENV = "EFFECT_MULTIPROCESSING_READY_PROCESS"

/** The first descriptor handed over to a child (Connection ends): 0–2 are stdio, 3 the control channel. */
export const FIRST_HANDLE_FD = 4

/** The descriptor a ready process closes to say it is booted (a plain spawn has no such descriptor). */
export const READY_FD = 4

/** Where a child that is a worker thread finds its encoded Start message in its workerData. */
export const THREAD_START_KEY = "effect-multiprocessing/start"

/** Where a thread finds the descriptors handed over to it (Connection ends), in the order of `handles`. */
export const THREAD_HANDLES_KEY = "effect-multiprocessing/handles"

/** Parent → child, once, first. */
export interface StartMessage {
  readonly _tag: "Start"
  readonly target: TargetSpec
  readonly args: ReadonlyArray<unknown>
  readonly process: ProcessIdentity
  /** The parent's remote servers (see `remoteServers` in `processGlobals.ts`), when it has any. */
  readonly remoteServers?: ReadonlyArray<readonly [string, { readonly reached: unknown; readonly authkey: string }]>
  /** URL of tsx's ESM API, present only when the target module is TypeScript. */
  readonly typescriptLoader?: string
  /**
   * Present when the arguments hold placeholders to revive (connections, shared primitives):
   * how many descriptors were handed over with them (Connection ends), from 4 on; see `served/placeholders.ts`.
   */
  readonly handles?: number
  /** Present when the kernel will not signal the child at its parent's death (no setpriv): it must watch itself. */
  readonly watchParent?: true
  /** Present when the parent's work runs in a span: an Effect the target returns runs as that span's child. */
  readonly parentSpan?: SpanContext
  /** Present when the child is a pool worker: the target is its initializer, then it serves tasks (see `child/workerChannel.ts`). */
  readonly pool?: PoolWorkerSettings
}
