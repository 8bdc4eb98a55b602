/**
 * The cluster's settings, read through Effect's `Config` (environment
 * variables by default), and the sharding settings derived from them: chosen
 * for a machine that may be starved (generous shard-lock expiry, refresh well
 * inside it, no tight polling).
 */
import * as RunnerAddress from "@effect/cluster/RunnerAddress"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import { Config, Duration, Option, Redacted } from "effect"

/** Where a runner listens and is reached. */
export interface RunnerAddressConfig {
  readonly host: string
  readonly port: number
}

/** What every member of one cluster (runners and callers) shares. */
export interface ClusterSettings {
  /** The store: a SQLite file (`file:cluster.db`, a path) or `postgres://…`. */
  readonly store: string
  /** The shared secret every runner and caller holds; peers without it are refused. */
  readonly secret: Redacted.Redacted<string>
  /** Shards of the pool's entity (the same on every member). */
  readonly shards: number
  /** How long a shard lock lives without a refresh: a starved runner keeps its shards this long. */
  readonly shardLockExpiration: Duration.DurationInput
  /** How often a runner refreshes its shard locks and heartbeat. */
  readonly shardLockRefreshInterval: Duration.DurationInput
  /** How often runners check each other (a dead one's shards are freed then, not at the lock's expiry). */
  readonly healthCheckInterval: Duration.DurationInput
}

/** A runner's own settings on top of the shared ones. */
export interface RunnerSettings extends ClusterSettings {
  /** The address other members reach this runner at. */
  readonly address: RunnerAddressConfig
  /** Where it listens, when that differs (e.g. `0.0.0.0`). */
  readonly listen: Option.Option<RunnerAddressConfig>
  /** Workers of the runner's local process pool (default: its CPUs). */
  readonly processes: Option.Option<number>
}

/** The environment variables' prefix: `EFFECT_MULTIPROCESSING_CLUSTER_STORE` and so on. */
export const PREFIX = "EFFECT_MULTIPROCESSING_CLUSTER_"

const name = (key: string) => `${PREFIX}${key}`

/** What a member may be given in code, in place of its environment variable. */
export interface ClusterOverrides {
  readonly store?: string | undefined
  readonly secret?: Redacted.Redacted<string> | undefined
  readonly shards?: number | undefined
}

const given = <A>(value: A | undefined, otherwise: Config.Config<A>): Config.Config<A> =>
  value === undefined ? otherwise : Config.succeed(value)

/** The shared settings: `…_STORE` (default `file:effect-multiprocessing-cluster.db`), `…_SECRET` (required), `…_SHARDS`, `…_LOCK_EXPIRATION`, `…_LOCK_REFRESH`, `…_HEALTH_CHECK`; each one given in `overrides` is taken from there. */
export const clusterConfigWith = (overrides: ClusterOverrides = {}): Config.Config<ClusterSettings> =>
  Config.all({
    store: given(overrides.store, Config.string(name("STORE")).pipe(Config.withDefault("file:effect-multiprocessing-cluster.db"))),
    secret: given(overrides.secret, Config.redacted(name("SECRET"))),
    shards: given(overrides.shards, Config.integer(name("SHARDS")).pipe(Config.withDefault(60))).pipe(
      Config.validate({ message: "the number of shards must be at least 1", validation: (n) => Number.isInteger(n) && n >= 1 })
    ),
    shardLockExpiration: Config.duration(name("LOCK_EXPIRATION")).pipe(Config.withDefault(Duration.seconds(90))),
    shardLockRefreshInterval: Config.duration(name("LOCK_REFRESH")).pipe(Config.withDefault(Duration.seconds(10))),
    healthCheckInterval: Config.duration(name("HEALTH_CHECK")).pipe(Config.withDefault(Duration.seconds(2)))
  })

export const clusterConfig: Config.Config<ClusterSettings> = clusterConfigWith()

/** A runner's settings: the shared ones and `…_HOST` (default `localhost`), `…_PORT` (default 34431), `…_LISTEN_HOST`, `…_PROCESSES`. */
export const runnerConfigWith = (overrides: ClusterOverrides = {}): Config.Config<RunnerSettings> => Config.all({
  shared: clusterConfigWith(overrides),
  host: Config.string(name("HOST")).pipe(Config.withDefault("localhost")),
  port: Config.port(name("PORT")).pipe(Config.withDefault(34431)),
  listenHost: Config.option(Config.string(name("LISTEN_HOST"))),
  processes: Config.option(Config.integer(name("PROCESSES")))
}).pipe(Config.map(({ host, listenHost, port, processes, shared }) => ({
  ...shared,
  address: { host, port },
  listen: Option.map(listenHost, (listenHost) => ({ host: listenHost, port })),
  processes
})))

export const runnerConfig: Config.Config<RunnerSettings> = runnerConfigWith()

/** The sharding settings every member uses; `address` undefined for a caller (client only). */
export const shardingConfig = (settings: ClusterSettings, address?: RunnerAddressConfig, listen?: Option.Option<RunnerAddressConfig>) =>
  ShardingConfig.layer({
    runnerAddress: address === undefined ? Option.none() : Option.some(runnerAddress(address)),
    runnerListenAddress: listen === undefined ? Option.none() : Option.map(listen, runnerAddress),
    shardsPerGroup: settings.shards,
    shardLockExpiration: settings.shardLockExpiration,
    shardLockRefreshInterval: settings.shardLockRefreshInterval,
    // The pool's tasks are volatile messages (nothing to read back from storage), so the storage poll is slow.
    entityMessagePollInterval: Duration.seconds(30),
    entityMailboxCapacity: "unbounded",
    // A runner a caller still believes in is retried at this pace until the assignments move.
    sendRetryInterval: Duration.millis(200),
    refreshAssignmentsInterval: Duration.seconds(2),
    runnerHealthCheckInterval: settings.healthCheckInterval,
    entityTerminationTimeout: Duration.seconds(5),
    simulateRemoteSerialization: false
  })

const runnerAddress = (address: RunnerAddressConfig) => new RunnerAddress.RunnerAddress({ host: address.host, port: address.port })
