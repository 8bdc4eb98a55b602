/**
 * Python's `multiprocessing.Process` for plain TypeScript:
 *
 * ```ts
 * const p = new Process({ target: (name: string) => console.log("hello", name), args: ["bob"] })
 * p.start()
 * await p.join()
 * ```
 *
 * A thin layer over the Effect API's Process; `await using p = new Process(…)`
 * terminates the child at the end of the block if it is still running.
 */
import { Effect, Exit, Scope } from "effect"
import * as EffectProcess from "../Process.js"
import type * as Target from "../Target.js"
import { markNotData, runPromise, runSync, runTimedWait, secondsInput } from "./runtime.js"
import * as answers from "./timedWaits.js"

export interface ProcessOptions<F extends Target.AnyFunction, A = Target.Result<F>> extends EffectProcess.Options<F, A> {}

const wrappers = new WeakMap<EffectProcess.Process<any>, ProcessClass<any>>()

/** The compat face of a Process made by the Effect API (for `activeChildren`). */
export const fromEffect = <A>(process: EffectProcess.Process<A>): Process<A> =>
  wrappers.get(process) ?? new ProcessClass(process as EffectProcess.Process<any>)

class ProcessClass<A = unknown> {
  readonly #process: EffectProcess.Process<A>
  readonly #scope: Scope.CloseableScope | undefined

  constructor(options: ProcessOptions<Target.AnyFunction, A> | EffectProcess.Process<A>) {
    if (EffectProcess.isProcess(options)) {
      this.#process = options as EffectProcess.Process<A>
    } else {
      const scope = runSync(Scope.make())
      this.#scope = scope
      this.#process = runSync(Scope.extend(EffectProcess.make(options as ProcessOptions<Target.AnyFunction, A>), scope))
    }
    wrappers.set(this.#process, this)
  }

  get name(): string {
    return this.#process.name
  }
  set name(name: string) {
    runSync(this.#process.setName(name))
  }
  get daemon(): boolean {
    return this.#process.daemon
  }
  set daemon(daemon: boolean) {
    runSync(this.#process.setDaemon(daemon))
  }
  /** The child's pid; undefined before `start()`. */
  get pid(): number | undefined {
    return this.#process.pid
  }
  /** The worker thread's id when the child is a thread (`startMethod: "thread"`); undefined otherwise. */
  get threadId(): number | undefined {
    return this.#process.threadId
  }
  /** null while running or before start; the exit code; `-signal` when a signal ended it. */
  get exitCode(): number | null {
    return this.#process.exitCode
  }
  /** Ready once the process has exited (`sentinel.await` fails before start); what `wait` will watch. */
  get sentinel(): EffectProcess.Sentinel {
    return this.#process.sentinel
  }

  start(): void {
    runSync(this.#process.start)
  }
  /** Waits for the exit, at most `timeout` seconds; gives the exit code, or null if still running. */
  join(timeout?: number | null): Promise<number | null> {
    return runTimedWait(this.#process.join(secondsInput(timeout)), answers.joined)
  }
  isAlive(): boolean {
    return this.#process.isAlive
  }
  /** SIGTERM (exit code -15); a thread is ended with `worker.terminate()` and reports -15 too. */
  terminate(): void {
    runSync(this.#process.terminate)
  }
  /** SIGKILL (exit code -9); a thread reports -9. */
  kill(): void {
    runSync(this.#process.kill)
  }
  close(): void {
    runSync(this.#process.close)
    if (this.#scope !== undefined) runSync(Scope.close(this.#scope, Exit.void))
  }
  /** What the target returned; rejects with `RemoteError` (it threw) or `ProcessExitedError` (it never returned). */
  result(): Promise<A> {
    return runPromise(this.#process.result)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#scope !== undefined) await runPromise(Scope.close(this.#scope, Exit.void))
    else await runPromise(Effect.asVoid(this.#process.release))
  }

  toString(): string {
    return this.#process.toString()
  }
}

markNotData(
  ProcessClass,
  "a Process",
  "it is its parent's handle on the child process; send the child's pid or name instead"
)

/** A Process; the target's result type is inferred from `target` (or `result`). */
export type Process<A = unknown> = ProcessClass<A>
export const Process: {
  new<F extends Target.AnyFunction, A = Target.Result<F>>(options: ProcessOptions<F, A>): Process<A>
  readonly prototype: Process<unknown>
} = ProcessClass as any
