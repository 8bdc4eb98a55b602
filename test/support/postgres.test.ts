/**
 * The throwaway PostgreSQL of test/support/postgres.ts: a real server, reached through @effect/sql-pg,
 * gone with its directory when its Scope closes. Runs where PostgreSQL is installed, and always under
 * `.ci/run` (EFFECT_MULTIPROCESSING_REQUIRE_POSTGRES=1), where a missing one fails it.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Exit, FastCheck as fc, Layer, Redacted, Scope } from "effect"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { descendants, isRunning } from "./processes.js"
import { Postgres, postgresTests, PostgresUnavailable, start } from "./postgres.js"

/** Whether a TCP connection to 127.0.0.1:`port` is refused (nothing listens there). */
const refused = (port: number) =>
  Effect.async<boolean>((resume) => {
    const socket = net.connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed(false))
    })
    socket.once("error", (error: NodeJS.ErrnoException) => resume(Effect.succeed(error.code === "ECONNREFUSED")))
  })

const client = (url: string) => PgClient.layer({ url: Redacted.make(url), maxConnections: 2 })

describe.runIf(postgresTests)("a throwaway PostgreSQL", () => {
  it.live("serves a real round trip through @effect/sql-pg, then stops and leaves nothing", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const server = yield* start().pipe(Scope.extend(scope))
      expect(server.url).toBe(`postgres://postgres:${server.password}@127.0.0.1:${server.port}/postgres`)
      // The server and its backends are children of this process, seen by the leak check.
      expect(descendants()).toContain(server.pid)

      const { rows, settings } = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL)`
        yield* sql`INSERT INTO items ${sql.insert([{ id: 1, name: "one" }, { id: 2, name: "two" }])}`
        const rows = yield* sql<{ id: number; name: string }>`SELECT id, name FROM items ORDER BY id`
        const settings = yield* sql<{ name: string; setting: string }>`
          SELECT name, setting FROM pg_settings WHERE name IN ('listen_addresses', 'unix_socket_directories') ORDER BY name`
        return { rows, settings }
      }).pipe(Effect.provide(client(server.url)))
      expect(rows).toEqual([{ id: 1, name: "one" }, { id: 2, name: "two" }])
      // Loopback only, and no Unix socket anywhere.
      expect(settings).toEqual([{ name: "listen_addresses", setting: "127.0.0.1" }, { name: "unix_socket_directories", setting: "" }])

      // Password authentication: the wrong password is turned away.
      const wrong = server.url.replace(server.password, `${server.password}x`)
      const rejected = yield* Effect.flip(SqlClient.SqlClient.pipe(Effect.provide(client(wrong))))
      expect(rejected._tag).toBe("SqlError")

      yield* Scope.close(scope, Exit.void)
      expect(isRunning(server.pid)).toBe(false)
      expect(descendants()).not.toContain(server.pid)
      expect(fs.existsSync(server.directory)).toBe(false)
      expect(yield* refused(server.port)).toBe(true)
    }))

  it.live("a directory without PostgreSQL fails with PostgresUnavailable, which says what to install", () =>
    Effect.gen(function*() {
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-postgres-"))
      const error = yield* Effect.flip(Effect.scoped(start({ binDirectory: empty }))).pipe(
        Effect.ensuring(Effect.sync(() => fs.rmSync(empty, { recursive: true, force: true })))
      )
      expect(error).toBeInstanceOf(PostgresUnavailable)
      expect(error.message).toContain(`no initdb and postgres in ${empty}`)
      expect(error.message).toContain("apt-get install -y --no-install-recommends postgresql")
    }))
})

// One server, one client and one table for every run of the property.
const Table = Layer.effectDiscard(Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql`CREATE TABLE texts (id serial PRIMARY KEY, body text NOT NULL, n bigint NOT NULL)`))
const ServerAndClient = Layer.unwrapScoped(Effect.map(Postgres, (server) => client(server.url))).pipe(
  Layer.provideMerge(Postgres.layer())
)

describe.runIf(postgresTests)("a throwaway PostgreSQL under properties", () => {
  layer(Layer.provideMerge(Table, ServerAndClient), { excludeTestServices: true })((it) => {
    // Any text PostgreSQL can hold (all but NUL) and any 64-bit integer come back as they went in.
    it.effect.prop(
      "what is inserted is what is selected",
      [fc.array(fc.record({ body: fc.string({ unit: "binary" }).map((s) => s.replaceAll("\u0000", "")), n: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }), { minLength: 1, maxLength: 20 })],
      ([items]) =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const inserted = yield* sql<{ id: number }>`INSERT INTO texts ${sql.insert(items.map(({ body, n }) => ({ body, n: n.toString() })))} RETURNING id`
          const ids = inserted.map(({ id }) => id)
          const rows = yield* sql<{ body: string; n: string }>`SELECT body, n::text AS n FROM texts WHERE ${sql.in("id", ids)} ORDER BY id`
          expect(rows.map(({ body, n }) => ({ body, n: BigInt(n) }))).toEqual(items)
        }),
      { fastCheck: { numRuns: 25 } }
    )
  })
})
