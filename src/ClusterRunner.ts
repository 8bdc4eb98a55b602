/**
 * A runner of the cluster pool: a process that serves the pool's entity and
 * runs the tasks it is sent in its own local `ProcessPool`. Start one per
 * machine (or several, on separate ports), all with the same store and
 * secret:
 *
 * ```sh
 * EFFECT_MULTIPROCESSING_CLUSTER_STORE=postgres://… EFFECT_MULTIPROCESSING_CLUSTER_SECRET=… \
 *   EFFECT_MULTIPROCESSING_CLUSTER_HOST=10.0.0.5 EFFECT_MULTIPROCESSING_CLUSTER_PORT=34431 \
 *   npx effect-multiprocessing-runner
 * ```
 *
 * or, inside an application, provide `ClusterRunner.layer()`.
 *
 * @since 0.1.0
 */
import type { Redacted } from "effect"
import { Effect, Layer, Option } from "effect"
import type { ConfigError } from "effect/ConfigError"
import type { SocketServerError } from "@effect/platform/SocketServer"
import type { SqlError } from "@effect/sql/SqlError"
import type { Multiprocessing } from "./Multiprocessing.js"
import type { MakeError } from "./ProcessPool.js"
import { runnerConfigWith } from "./internal/cluster/config.js"
import * as internal from "./internal/cluster/runner.js"

/**
 * A runner's settings given in code; whatever is left out comes from the
 * environment (`EFFECT_MULTIPROCESSING_CLUSTER_STORE`, `…_SECRET`, `…_HOST`,
 * `…_PORT`, `…_LISTEN_HOST`, `…_PROCESSES`, `…_SHARDS`: docs/cluster.md).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly store?: string
  readonly secret?: Redacted.Redacted<string>
  readonly shards?: number
  /** The address the other members reach this runner at (default `localhost`). */
  readonly host?: string
  /** Its port (default 34431). */
  readonly port?: number
  /** Where it listens, when that is not `host` (e.g. `0.0.0.0`). */
  readonly listenHost?: string
  /** Workers of its local pool (default: the machine's CPUs). */
  readonly processes?: number
}

/**
 * A runner, for as long as the Layer lives: it registers in the store, takes
 * its share of the shards, serves the pool's calls on its port to peers that
 * hold the secret, and runs them in its local process pool. Closing the Layer
 * hands its shards back. It fails with a `ConfigError` (a setting missing or
 * wrong), its local pool's `MakeError`, a `SocketServerError` (its port taken)
 * or the store's `SqlError`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<never, ConfigError | MakeError | SocketServerError | SqlError, Multiprocessing> =>
  Layer.unwrapEffect(Effect.map(
    runnerConfigWith({ store: options.store, secret: options.secret, shards: options.shards }),
    (settings) =>
      internal.layer({
        ...settings,
        address: { host: options.host ?? settings.address.host, port: options.port ?? settings.address.port },
        listen: options.listenHost === undefined
          ? settings.listen
          : Option.some({ host: options.listenHost, port: options.port ?? settings.address.port }),
        processes: options.processes === undefined ? settings.processes : Option.some(options.processes)
      })
  ))
