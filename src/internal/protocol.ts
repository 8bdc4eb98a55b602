/**
 * The messages a parent and its child exchange on the child's control channel
 * (file descriptor 3, a socket pair), framed by `framing.ts` and encoded with
 * the default codec. Plain types: the child bootstrap reads them before Effect
 * is loaded; the parent checks what it receives with `ChildMessage` in
 * `internal/processRuntime.ts`.
 */
import type { ErrorData } from "./codec.js"

/** The control channel's descriptor in the child. */
export const CONTROL_FD = 3

export type TargetSpec =
  | { readonly _tag: "Inline"; readonly name: string; readonly expression: string }
  | { readonly _tag: "Module"; readonly name: string; readonly url: string; readonly exportName: string }

/** Who the child is, as `currentProcess()` reports it there. */
export interface ProcessIdentity {
  readonly name: string
  readonly daemon: boolean
  /** Hex, so that a Start message of plain data stays on the codec's JSON path. */
  readonly authkey: string
  /** Python's `_identity`: position among its parent's children, appended to the parent's. */
  readonly identity: ReadonlyArray<number>
  readonly parentPid: number
  readonly parentName: string
  readonly executable: string
}

/** Parent → child, once, first. */
export interface StartMessage {
  readonly _tag: "Start"
  readonly target: TargetSpec
  readonly args: ReadonlyArray<unknown>
  readonly process: ProcessIdentity
  /** URL of tsx's ESM API, present only when the target module is TypeScript. */
  readonly typescriptLoader?: string
}

/** Child → parent, once, last: what the target returned, or why it failed. */
export type OutcomeMessage =
  | { readonly _tag: "Returned"; readonly value?: unknown } // no key for undefined: keeps it on the JSON path
  | { readonly _tag: "Raised"; readonly error: ErrorData }

/** Tags of `ErrorData` the bootstrap itself produces; the parent maps them to typed errors. */
export const TargetLoadFailed = "TargetLoadFailed"
export const ResultNotSerializable = "ResultNotSerializable"

/** Where the child bootstrap publishes its identity for `currentProcess()` in the child. */
export const CURRENT_PROCESS_KEY = Symbol.for("effect-multiprocessing/currentProcess")
