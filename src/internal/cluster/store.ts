/**
 * The cluster's store, chosen by its URL: an embedded SQLite file through
 * libsql (`file:…`, or a plain path) on one machine, PostgreSQL
 * (`postgres://…`) across machines. It holds the runners and their shard
 * locks (`SqlRunnerStorage`); the pool's tasks are volatile messages that
 * travel runner to runner, so no message is stored (`MessageStorage.layerNoop`).
 *
 * SQLite between several processes: the file is put in WAL mode (readers do
 * not block the writer) and every connection waits for a busy lock instead
 * of failing. libsql's client opens a fresh connection after each
 * transaction, so the busy timeout is set again on each one (`withBusyTimeout`).
 * Integers are read as bigints, so that 64-bit ids keep every bit.
 */
import * as MessageStorage from "@effect/cluster/MessageStorage"
import * as RunnerStorage from "@effect/cluster/RunnerStorage"
import * as SqlRunnerStorage from "@effect/cluster/SqlRunnerStorage"
import type * as ShardingConfig from "@effect/cluster/ShardingConfig"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type * as Libsql from "@libsql/client"
import { Effect, Layer, Redacted, Schedule } from "effect"
import { ValueError } from "../../Errors.js"

/** How long a SQLite statement waits for another process's write to end. */
const BUSY_TIMEOUT_MS = 30_000

/** Whether `url` names a PostgreSQL server. */
export const isPostgres = (url: string): boolean => /^postgres(?:ql)?:\/\//.test(url)

/** A libsql URL for `store`: `file:` and `:memory:` as they are, a plain path as a file URL. */
export const sqliteUrl = (store: string): string =>
  store.startsWith("file:") || store.startsWith(":memory:") || store.startsWith("libsql:") ? store : `file:${store}`

/**
 * `client` with SQLite's busy timeout set on every connection it opens: before
 * the first statement, and again after each transaction (which takes the
 * current connection with it and leaves a fresh one to be opened).
 */
export const withBusyTimeout = (client: Libsql.Client, ms: number = BUSY_TIMEOUT_MS): Libsql.Client => {
  let fresh = true
  const ensure = async () => {
    if (!fresh) return
    fresh = false
    await client.execute(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(ms))}`)
  }
  const wrapped = ["execute", "batch", "migrate", "executeMultiple"] as const
  return new Proxy(client, {
    get(target, key) {
      if (key === "transaction") {
        return async (mode?: Libsql.TransactionMode) => {
          await ensure()
          const transaction = await target.transaction(mode)
          fresh = true
          return transaction
        }
      }
      if ((wrapped as ReadonlyArray<PropertyKey>).includes(key)) {
        const method = Reflect.get(target, key, target) as (...args: Array<unknown>) => Promise<unknown>
        return async (...args: Array<unknown>) => {
          await ensure()
          return method.apply(target, args)
        }
      }
      const value = Reflect.get(target, key, target)
      return typeof value === "function" ? value.bind(target) : value
    }
  })
}

/** The SQL client for `store`, loaded only when the cluster is used (the drivers are optional peers). */
export const layerSql = (store: string): Layer.Layer<SqlClient.SqlClient, SqlError | ValueError> =>
  Layer.unwrapScoped(Effect.gen(function*() {
    if (isPostgres(store)) {
      const { PgClient } = yield* Effect.promise(() => import("@effect/sql-pg"))
      return PgClient.layer({ url: Redacted.make(store) }) as Layer.Layer<SqlClient.SqlClient, SqlError>
    }
    if (store.trim() === "") return yield* Effect.fail(new ValueError({ message: "the cluster's store URL is empty" }))
    const [{ LibsqlClient }, libsql] = yield* Effect.promise(() => Promise.all([import("@effect/sql-libsql"), import("@libsql/client")]))
    const client = yield* Effect.acquireRelease(
      Effect.try({
        try: () => withBusyTimeout(libsql.createClient({ url: sqliteUrl(store), intMode: "bigint" })),
        catch: (error) => new ValueError({ message: `cannot open the cluster's SQLite store ${store}: ${String(error)}` })
      }),
      (client) => Effect.sync(() => client.close())
    )
    // WAL is a property of the file: once set it stays. Readers then never block the one writer.
    yield* Effect.tryPromise({
      try: () => client.execute("PRAGMA journal_mode = WAL"),
      catch: (error) => new ValueError({ message: `cannot use the cluster's SQLite store ${store}: ${String(error)}` })
    })
    return LibsqlClient.layer({ liveClient: client }) as Layer.Layer<SqlClient.SqlClient>
  }))

/**
 * The runners' tables, made if missing. Runners that start at once on a fresh
 * PostgreSQL database race in their `CREATE … IF NOT EXISTS` (the loser fails
 * with "type … already exists"): a failed attempt is made again, and finds the
 * tables made.
 */
const runnerStorage = SqlRunnerStorage.layer.pipe(
  Layer.retry(Schedule.intersect(Schedule.jittered(Schedule.exponential("50 millis")), Schedule.recurs(5))),
  Layer.orDie
)

/** The storage the cluster's sharding needs (runners and shard locks in SQL; no stored messages), over `store`. */
export const layer = (store: string): Layer.Layer<
  RunnerStorage.RunnerStorage | MessageStorage.MessageStorage | SqlClient.SqlClient,
  SqlError | ValueError,
  ShardingConfig.ShardingConfig
> =>
  Layer.provideMerge(
    Layer.merge(runnerStorage, MessageStorage.layerNoop),
    layerSql(store)
  )

export { RunnerStorage }
