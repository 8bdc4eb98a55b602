/**
 * Python's `multiprocessing.shared_memory.SharedMemory`: a named POSIX shared
 * memory segment mapped into this process through the addon (`native.ts`).
 * Names are Python's: given without the leading "/" (which is added), shown
 * without it, in the same namespace as Python's, so either language attaches
 * to the other's segments. A segment created without a name is named after
 * this process (`privateDirectory.segmentName`), and removed when this process
 * ends without having unlinked it, as Python's resource tracker removes the
 * segments it created.
 */
import { Effect, type Scope } from "effect"
import {
  FileExistsError,
  FileNotFoundError,
  OSError,
  SharedMemoryUnavailableError,
  TypeError,
  ValueError
} from "../../Errors.js"
import * as PrivateDirectory from "../thisProcess/privateDirectory.js"
import { registerAttach, AttachableTypeId } from "../served/attachable.js"
import { native, type Native, nativeMissing } from "../native/native.js"

export interface Options {
  readonly name?: string | undefined
  readonly create?: boolean | undefined
  readonly size?: number | undefined
}

export type OpenError = FileExistsError | FileNotFoundError | ValueError | TypeError | OSError | SharedMemoryUnavailableError

/** The addon, or the error that says it is missing and how to get it. */
export const requireNative = (): Effect.Effect<Native, SharedMemoryUnavailableError> =>
  native !== undefined ? Effect.succeed(native) : Effect.fail(
    new SharedMemoryUnavailableError({
      message: `shared memory needs the library's native addon, which is ${nativeMissing}. ` +
        "It is built by `npm run build` (or at install) where a C compiler (cc) and the Node headers are present, " +
        "on Linux; unset EFFECT_MULTIPROCESSING_NATIVE if it is 0"
    })
  )

const osFailure = (error: unknown, name: string): FileExistsError | FileNotFoundError | ValueError | OSError => {
  const code = (error as { code?: string }).code
  const message = (error as Error).message
  switch (code) {
    case "EEXIST":
      return new FileExistsError({ message: `a shared memory segment named '${name}' exists already`, segment: name })
    case "ENOENT":
      return new FileNotFoundError({ message: `no shared memory segment is named '${name}'`, segment: name })
    case "EINVAL":
    case "ENAMETOOLONG":
      return new ValueError({ message: `'${name}' is not a usable shared memory name (${message}): use letters, digits, '-', '_' and '.', no '/'` })
    default:
      return code === undefined
        ? new ValueError({ message })
        : new OSError({ message: `shared memory '${name}': ${message}`, code })
  }
}

/** The name the system uses: Python's, with its leading "/". */
const systemName = (name: string) => (name.startsWith("/") ? name : `/${name}`)

export class SharedMemoryImpl {
  /** The mapping; detached (byteLength 0) once closed. */
  readonly buffer: ArrayBuffer
  readonly buf: Uint8Array
  readonly size: number
  readonly [AttachableTypeId] = () => ({ family: "SharedMemory", state: this.name })
  private closed = false

  constructor(private readonly addon: Native, readonly name: string, buffer: ArrayBuffer) {
    this.buffer = buffer
    this.buf = new Uint8Array(buffer)
    this.size = buffer.byteLength
  }

  /** Unmaps the segment from this process; `buf` is then empty. Others' mappings and the name stay. */
  readonly close: Effect.Effect<void> = Effect.sync(() => this.closeNow())

  /** Removes the name (the memory goes once every mapping is closed), as Python's `unlink`: once. */
  readonly unlink: Effect.Effect<void, FileNotFoundError | OSError> = Effect.suspend(() => {
    try {
      this.addon.unlink(systemName(this.name))
      PrivateDirectory.segmentUnlinked(systemName(this.name))
      return Effect.void
    } catch (error) {
      return Effect.fail(osFailure(error, this.name) as FileNotFoundError | OSError)
    }
  })

  closeNow(): void {
    if (this.closed) return
    this.closed = true
    this.addon.close(this.buffer)
  }

  toString() {
    return `SharedMemory('${this.name}', size=${this.size})`
  }
}

/** Creates or attaches a segment, not scoped: its caller closes it. */
export const open = (options: Options = {}): Effect.Effect<SharedMemoryImpl, OpenError> =>
  Effect.flatMap(requireNative(), (addon) =>
    Effect.suspend((): Effect.Effect<SharedMemoryImpl, OpenError> => {
      const { create = false, size = 0 } = options
      if (options.name !== undefined && typeof options.name !== "string")
        return Effect.fail(new TypeError({ message: `name must be a string, not ${typeof options.name}` }))
      if (typeof size !== "number" || !Number.isInteger(size))
        return Effect.fail(new TypeError({ message: `size must be an integer number of bytes, not ${String(size)}` }))
      if (size < 0) return Effect.fail(new ValueError({ message: "'size' must be a positive integer" }))
      if (create && size === 0)
        return Effect.fail(new ValueError({ message: "'size' must be a positive number different from zero" }))
      if (!create && options.name === undefined)
        return Effect.fail(new ValueError({ message: "'name' can only be omitted when creating a new segment (create: true)" }))
      const name = options.name === undefined ? PrivateDirectory.segmentName("shm") : systemName(options.name)
      try {
        const buffer = create ? addon.create(name, size) : addon.attach(name)
        return Effect.succeed(new SharedMemoryImpl(addon, name.slice(1), buffer))
      } catch (error) {
        if (options.name === undefined) PrivateDirectory.segmentUnlinked(name)
        return Effect.fail(osFailure(error, name.slice(1)))
      }
    }))

/** A segment closed when the Scope closes; unlinked only when asked (`unlink`), as in Python. */
export const make = (options?: Options): Effect.Effect<SharedMemoryImpl, OpenError, Scope.Scope> =>
  Effect.acquireRelease(open(options), (shm) => shm.close)

// A SharedMemory sent to another process (a Process or Pool argument, a queue item) arrives attached by name, as Python pickles it.
registerAttach("SharedMemory", (name) => Effect.runSync(Effect.orDie(open({ name: name as string }))))
