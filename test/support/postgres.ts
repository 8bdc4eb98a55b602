/**
 * A throwaway PostgreSQL server for tests: `initdb` into a fresh temporary directory, the server on
 * 127.0.0.1 at a free port (no Unix socket at all), password authentication for loopback TCP only, a
 * random password; stopped (an immediate shutdown, what `pg_ctl stop -m immediate` sends) and its
 * directory removed when the Scope closes.
 *
 * The server is a child of the test process, so the leak check (test/support/noLeaks.ts) sees it and
 * its backends until they are gone. It is started under `setpriv --pdeathsig` where that exists, so a
 * test process killed outright takes its server with it; a directory left by a process that is gone
 * (and a server still running in it) is removed by the next start.
 *
 * PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (Debian's package
 * makes it; `.ci/run` makes one otherwise), in a directory that user owns.
 *
 * Where PostgreSQL is not installed, `postgresTests` is false and says why once, and the tests that
 * need it do not run; with `EFFECT_MULTIPROCESSING_REQUIRE_POSTGRES=1` (CI, `.ci/run`) they run and
 * fail with `PostgresUnavailable`, which says what to install.
 */
import { Context, Data, Effect, Exit, Layer, Scope } from "effect"
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { isRunning } from "./processes.js"

/** PostgreSQL is not installed here, or cannot be run by this user. */
export class PostgresUnavailable extends Data.TaggedError("PostgresUnavailable")<{ readonly reason: string }> {
  override get message() {
    return `PostgreSQL is not available: ${this.reason}. Install it (Debian: apt-get install -y --no-install-recommends postgresql; ` +
      "`.ci/run` does this) or leave EFFECT_MULTIPROCESSING_REQUIRE_POSTGRES unset to run without the tests that need it"
  }
}

/** A step of starting the server failed; `log` is what PostgreSQL printed. */
export class PostgresStartError extends Data.TaggedError("PostgresStartError")<{
  readonly step: "initdb" | "start"
  readonly reason: string
  readonly log: string
}> {
  override get message() {
    return `PostgreSQL ${this.step} failed: ${this.reason}${this.log === "" ? "" : `\n${this.log}`}`
  }
}

/** A running server. `url` carries the password; the database is `postgres`, the user `postgres`. */
export interface PostgresServer {
  readonly url: string
  readonly host: "127.0.0.1"
  readonly port: number
  readonly username: string
  readonly password: string
  readonly database: string
  /** The postmaster's pid. */
  readonly pid: number
  /** The temporary directory holding the cluster (`data/`); removed on stop. */
  readonly directory: string
  /** PostgreSQL's version, as `postgres --version` prints it. */
  readonly version: string
}

export interface Installation {
  /** The directory of `initdb` and `postgres`. */
  readonly binDirectory: string
  /** Who runs the server: ourselves, or (as root) the `postgres` user. */
  readonly runAs: { readonly uid: number; readonly gid: number; readonly name: string } | undefined
}

/** Whether the tests must have PostgreSQL (CI sets it): then a missing installation fails them instead of leaving them out. */
export const required = process.env.EFFECT_MULTIPROCESSING_REQUIRE_POSTGRES === "1"

const executable = (file: string) => {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return true
  } catch {
    return false
  }
}

const hasServer = (directory: string) => executable(path.join(directory, "initdb")) && executable(path.join(directory, "postgres"))

/** Debian's /usr/lib/postgresql/<version>/bin, newest first, then `initdb` on the PATH (other systems). */
const binDirectories = (): Array<string> => {
  const debian = "/usr/lib/postgresql"
  let versions: Array<string> = []
  try {
    versions = fs.readdirSync(debian).filter((name) => /^\d+(\.\d+)?$/.test(name)).sort((a, b) => Number(b) - Number(a))
  } catch {
    // not Debian's layout
  }
  const onPath = (process.env.PATH ?? "").split(path.delimiter).filter((directory) => directory !== "")
  return [...versions.map((version) => path.join(debian, version, "bin")), ...onPath]
}

const lookUpUser = (name: string) => {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim())
    return { uid: id("-u"), gid: id("-g"), name }
  } catch {
    return undefined
  }
}

/** Finds PostgreSQL's programs and who runs them; `binDirectory` overrides the search. */
export const findInstallation = (binDirectory?: string): Installation | PostgresUnavailable => {
  const found = binDirectory !== undefined ? (hasServer(binDirectory) ? binDirectory : undefined) : binDirectories().find(hasServer)
  if (found === undefined) {
    return new PostgresUnavailable({
      reason: binDirectory !== undefined
        ? `no initdb and postgres in ${binDirectory}`
        : "no initdb and postgres in /usr/lib/postgresql/*/bin nor on the PATH"
    })
  }
  if (process.getuid?.() !== 0) return { binDirectory: found, runAs: undefined }
  const user = lookUpUser("postgres")
  if (user === undefined || user.uid === 0) {
    return new PostgresUnavailable({ reason: "PostgreSQL refuses to run as root and there is no unprivileged user `postgres` to run it as" })
  }
  return { binDirectory: found, runAs: user }
}

/**
 * Whether the tests that need PostgreSQL run here: it is installed, or it is required (and they fail
 * with what to install). When they do not, this says so once on stderr.
 */
export const postgresTests: boolean = (() => {
  const installation = findInstallation()
  if (!(installation instanceof PostgresUnavailable) || required) return true
  process.stderr.write(`${installation.reason}: the tests that need PostgreSQL do not run here (EFFECT_MULTIPROCESSING_REQUIRE_POSTGRES=1 makes them fail instead; docs/testing.md)\n`)
  return false
})()

/** Every directory from `directory` up to the root lets others through (the server's user is another). */
const traversable = (directory: string) => {
  for (let at = path.resolve(directory); ; at = path.dirname(at)) {
    if ((fs.statSync(at).mode & 0o001) === 0) return false
    if (at === path.dirname(at)) return true
  }
}

/**
 * Where the cluster's directory goes: the temporary directory, or, when the server runs as another user
 * who cannot reach it (the test run's own is private), the first of the system's that it can reach.
 */
const baseDirectory = (installation: Installation) => {
  if (installation.runAs === undefined) return os.tmpdir()
  const candidates = [os.tmpdir(), process.env.EMP_TESTS_TMPDIR && path.dirname(process.env.EMP_TESTS_TMPDIR), "/tmp"]
  const found = candidates.find((candidate): candidate is string => typeof candidate === "string" && traversable(candidate))
  if (found === undefined) {
    throw new PostgresUnavailable({ reason: `no temporary directory the user ${installation.runAs.name} can reach (tried ${candidates.filter(Boolean).join(", ")})` })
  }
  return found
}

const prefix = "emp-postgres-"

/** Removes the clusters left by test processes that are gone (killed before they could stop theirs): the server first, if it still runs. */
const sweep = (base: string) => {
  for (const name of fs.readdirSync(base)) {
    const maker = new RegExp(`^${prefix}(\\d+)-`).exec(name)
    if (maker === null || isRunning(Number(maker[1]))) continue
    const directory = path.join(base, name)
    try {
      const postmaster = Number(fs.readFileSync(path.join(directory, "data", "postmaster.pid"), "utf8").split("\n")[0])
      const command = fs.readFileSync(`/proc/${postmaster}/cmdline`, "utf8")
      if (command.includes(directory)) process.kill(postmaster, "SIGQUIT")
    } catch {
      // no server there, or it is gone
    }
    try {
      fs.rmSync(directory, { recursive: true, force: true })
    } catch {
      // another start sweeping the same directory: it removes it
    }
  }
}

/** A free TCP port on 127.0.0.1 (another process may take it before the server does: the start then tries another). */
const freePort = Effect.async<number, PostgresStartError>((resume) => {
  const server = net.createServer()
  server.once("error", (error) => resume(Effect.fail(new PostgresStartError({ step: "start", reason: `no free port: ${error.message}`, log: "" }))))
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as net.AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

const setprivWithPdeathsig: string | undefined = (() => {
  if (process.platform !== "linux") return undefined
  try {
    const help = execFileSync("setpriv", ["--help"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
    return help.includes("--pdeathsig") ? "setpriv" : undefined
  } catch {
    return undefined
  }
})()

const ownership = (installation: Installation) =>
  installation.runAs === undefined ? {} : { uid: installation.runAs.uid, gid: installation.runAs.gid }

/** Runs one of PostgreSQL's programs to its end, as the server's user; interrupting kills it. */
const run = (installation: Installation, program: string, args: Array<string>, cwd: string) =>
  Effect.async<string, PostgresStartError>((resume) => {
    const child = execFile(
      path.join(installation.binDirectory, program),
      args,
      { ...ownership(installation), cwd, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } },
      (error, stdout, stderr) =>
        resume(
          error === null
            ? Effect.succeed(stdout)
            : Effect.fail(new PostgresStartError({ step: program === "initdb" ? "initdb" : "start", reason: `${program} ${error.message.split("\n")[0]}`, log: `${stdout}${stderr}`.trim() }))
        )
    )
    return Effect.sync(() => child.kill("SIGKILL"))
  })

const ready = "database system is ready to accept connections"

/** Stops a server: SIGQUIT (an immediate shutdown; its backends go with it), SIGKILL if it has not exited in 10 s. */
const stop = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    const force = setTimeout(() => child.kill("SIGKILL"), 10_000)
    child.once("exit", () => {
      clearTimeout(force)
      resume(Effect.void)
    })
    child.kill("SIGQUIT")
  })

/**
 * Starts the server on `port`; succeeds once it accepts connections, fails with its log if it exits
 * first (`portTaken` when its port was in use). The server stops when the Scope closes.
 */
const serve = (installation: Installation, data: string, port: number) =>
  Effect.acquireRelease(
    Effect.async<{ child: ChildProcess; log: () => string }, PostgresStartError | { readonly _tag: "PortTaken" }>((resume) => {
      const server = path.join(installation.binDirectory, "postgres")
      const args = [
        "-D", data,
        "-p", String(port),
        "-c", "listen_addresses=127.0.0.1",
        "-c", "unix_socket_directories=",
        // Dynamic shared memory in the data directory (removed with it), not in /dev/shm.
        "-c", "dynamic_shared_memory_type=mmap",
        // A throwaway cluster: nothing needs to survive a crash.
        "-c", "fsync=off",
        "-c", "synchronous_commit=off",
        "-c", "full_page_writes=off",
        "-c", "lc_messages=C"
      ]
      const [command, commandArgs] = setprivWithPdeathsig !== undefined
        ? [setprivWithPdeathsig, ["--pdeathsig", "SIGQUIT", "--", server, ...args]]
        : [server, args]
      const child = spawn(command, commandArgs, { ...ownership(installation), cwd: data, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_ALL: "C" } })
      // Kept draining for the server's life: a full pipe would stop it. The last 16 KiB are kept for errors.
      let log = ""
      let started = false
      child.stderr!.setEncoding("utf8")
      child.stderr!.on("data", (chunk: string) => {
        log = (log + chunk).slice(-16_384)
        if (!started && log.includes(ready)) {
          started = true
          resume(Effect.succeed({ child, log: () => log }))
        }
      })
      const failed = (reason: string) => {
        if (started) return
        started = true
        resume(
          /could not bind|Address already in use/.test(log)
            ? Effect.fail({ _tag: "PortTaken" } as const)
            : Effect.fail(new PostgresStartError({ step: "start", reason, log: log.trim() }))
        )
      }
      child.once("error", (error) => failed(error.message))
      child.once("exit", (code, signal) => failed(`the server exited (${signal ?? code}) before accepting connections`))
      return stop(child)
    }),
    ({ child }) => stop(child)
  )

export interface StartOptions {
  /** Where `initdb` and `postgres` are; by default Debian's newest, then the PATH. */
  readonly binDirectory?: string
  /** A hang guard for the whole start (initdb and the server); by default a minute. */
  readonly timeout?: number
}

/**
 * Starts a throwaway server for the current Scope: stopped, and its directory removed, when the Scope
 * closes. Fails with `PostgresUnavailable` where PostgreSQL is not installed.
 */
export const start = (options: StartOptions = {}): Effect.Effect<PostgresServer, PostgresUnavailable | PostgresStartError, Scope.Scope> =>
  Effect.gen(function*() {
    const installation = findInstallation(options.binDirectory)
    if (installation instanceof PostgresUnavailable) return yield* installation
    const base = yield* Effect.try({ try: () => baseDirectory(installation), catch: (error) => error as PostgresUnavailable })
    yield* Effect.sync(() => sweep(base))
    const directory = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const made = fs.mkdtempSync(path.join(base, `${prefix}${process.pid}-`))
        if (installation.runAs !== undefined) fs.chownSync(made, installation.runAs.uid, installation.runAs.gid)
        return made
      }),
      (made) => Effect.sync(() => fs.rmSync(made, { recursive: true, force: true }))
    )
    const password = randomBytes(18).toString("base64url")
    const passwordFile = path.join(directory, "password")
    yield* Effect.sync(() => {
      fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 })
      if (installation.runAs !== undefined) fs.chownSync(passwordFile, installation.runAs.uid, installation.runAs.gid)
    })
    const data = path.join(directory, "data")
    yield* run(installation, "initdb", [
      "-D", data,
      "--username=postgres",
      `--pwfile=${passwordFile}`,
      // Password authentication over loopback TCP (the only way in: the server opens no Unix socket).
      "--auth-host=scram-sha-256",
      "--auth-local=reject",
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
      "--no-instructions"
    ], directory)
    yield* Effect.sync(() => fs.rmSync(passwordFile))
    const version = (yield* run(installation, "postgres", ["--version"], directory)).trim()
    // A port found free may be taken before the server binds it: then another port, a few times.
    const { port, child } = yield* Effect.gen(function*() {
      const port = yield* freePort
      const { child } = yield* serve(installation, data, port)
      return { port, child }
    }).pipe(
      Effect.retry({ times: 4, while: (error) => error._tag === "PortTaken" }),
      Effect.catchIf(
        (error): error is { readonly _tag: "PortTaken" } => error._tag === "PortTaken",
        () => new PostgresStartError({ step: "start", reason: "every port tried was taken", log: "" })
      )
    )
    return {
      url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
      host: "127.0.0.1",
      port,
      username: "postgres",
      password,
      database: "postgres",
      pid: child.pid!,
      directory,
      version
    } satisfies PostgresServer
  }).pipe(
    Effect.timeoutFail({
      duration: options.timeout ?? 60_000,
      onTimeout: () => new PostgresStartError({ step: "start", reason: `not ready within ${options.timeout ?? 60_000} ms`, log: "" })
    })
  )

/** A throwaway server as a service: `Postgres.layer` starts one for the Layer's life (`layer(Postgres.layer)` in @effect/vitest). */
export class Postgres extends Context.Tag("test/Postgres")<Postgres, PostgresServer>() {
  static readonly layer = (options?: StartOptions) => Layer.scoped(Postgres, start(options))
}

/**
 * For `beforeAll`/`afterAll`: starts a server; `stop` stops it and removes its directory.
 *
 *     let pg: Started
 *     beforeAll(async () => { pg = await startPostgres() })
 *     afterAll(() => pg.stop())
 */
export interface Started {
  readonly server: PostgresServer
  readonly stop: () => Promise<void>
}

export const startPostgres = (options?: StartOptions): Promise<Started> =>
  Effect.runPromise(
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const server = yield* start(options).pipe(Scope.extend(scope), Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : Scope.close(scope, exit)))
      return { server, stop: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
    })
  )
