/**
 * effect-multiprocessing/cluster: the Pool beyond one machine, on
 * `@effect/cluster`. Its own entry, so that users of the local library never
 * load the cluster's packages (optional peer dependencies: `@effect/cluster`,
 * `@effect/rpc`, `@effect/sql`, `@effect/workflow`, `@effect/experimental`,
 * and `@effect/sql-libsql` with `@libsql/client` for the embedded SQLite store
 * or `@effect/sql-pg` for PostgreSQL).
 *
 * - `ClusterPool`: the Effect face (a scoped pool, a Layer).
 * - `ClusterRunner`: a runner (`ClusterRunner.layer`, or the
 *   `effect-multiprocessing-runner` command).
 * - `Pool`: the compat face, as `Pool` of `effect-multiprocessing/compat`.
 *
 * @since 0.1.0
 */
export * as ClusterPool from "./ClusterPool.js"
export * as ClusterRunner from "./ClusterRunner.js"
export { Pool } from "./compat/clusterPool.js"
export type { ClusterPoolOptions } from "./compat/clusterPool.js"
