/**
 * What crosses to a worker and back for a task: its arguments encoded before
 * they are sent, and its answer (a status and a payload) read into the value
 * or the error its caller sees.
 */
import { Either } from "effect"
import { InvalidTargetError, SerializationError, SoftTimeLimitExceeded, Terminated } from "../../Errors.js"
import { decode, encode } from "../codec/codec.js"
import { decodeError } from "../codec/decodeError.js"
import type { EncodedError } from "../codec/errors.js"
import { isNotDataError, WHAT_CROSSES } from "../codec/notData.js"
import type { PoolFunction } from "./functions.js"
import type { Task, TaskOutcome } from "./scheduler.js"
import * as P from "../child/workerChannel.js"
import type { WorkerRecord } from "./workers.js"

/**
 * Encodes a task's payload now; what the codec cannot carry is a `SerializationError`, and nothing is sent.
 * `items`: the payload is a chunk of a map's input, whose first item is `items.first` of the whole input.
 */
export const encodeArgs = (value: unknown, fn: PoolFunction, items?: { readonly first: number }): Either.Either<Uint8Array, SerializationError> => {
  try {
    return Either.right(encode(value))
  } catch (error) {
    return Either.left(
      new SerializationError({
        message: `the arguments of ${fn.name} cannot be sent to a worker: ` + (isNotDataError(error)
          ? (items === undefined ? error.describe("args") : error.describe("items", 0, items.first))
          : `${(error as Error).message.replace(/\.+$/, "")}. ${WHAT_CROSSES}`)
      })
    )
  }
}

export const decodeResult = (bytes: Buffer, fn: PoolFunction): Either.Either<unknown, SerializationError> => {
  try {
    return Either.right(decode(bytes))
  } catch (error) {
    return Either.left(new SerializationError({ message: `the result of ${fn.name} could not be read: ${(error as Error).message}` }))
  }
}

/** A task's answer from `worker`: its status, and the encoded value or error. */
export const outcome = (worker: WorkerRecord, task: Task, status: number, payload: Buffer): TaskOutcome => {
  switch (status) {
    case P.OK:
      // A copy: the frame is a view of the socket's chunk, which the whole batch shares.
      return { ok: true, value: Buffer.from(payload) }
    case P.SOFT_TIME_LIMIT:
      return {
        ok: false,
        error: new SoftTimeLimitExceeded({
          message: `task ${task.fn.name} ran past its soft time limit of ${task.softMs} ms: its signal was aborted`,
          pid: worker.pid,
          limitMs: task.softMs
        })
      }
    case P.CANCELLED:
      return { ok: false, error: new Terminated({ message: `task ${task.fn.name} was cancelled` }) }
  }
  const error = decode(payload) as EncodedError
  switch (status) {
    case P.RAISED:
      return { ok: false, error: decodeError(error, worker.pid, worker.name) }
    case P.LOAD_FAILED:
      return { ok: false, error: new InvalidTargetError({ message: error.message }) }
    default:
      return {
        ok: false,
        error: new SerializationError({
          message: status === P.UNSENDABLE
            ? `the result of ${task.fn.name} cannot be sent back from the worker: ${error.message}`
            : `the arguments of ${task.fn.name} could not be read in the worker: ${error.message}`
        })
      }
  }
}
