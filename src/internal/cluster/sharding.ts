/**
 * The cluster's sharding for a runner (it serves shards) and for a caller
 * (client only), over authenticated sockets (`signing.ts`) and the store of
 * `store.ts`: what `NodeClusterSocket.layer` of `@effect/platform-node`
 * assembles, with the socket layers replaced by the authenticated ones.
 */
import type { RunnerAddress } from "@effect/cluster/RunnerAddress"
import * as RunnerHealth from "@effect/cluster/RunnerHealth"
import * as Runners from "@effect/cluster/Runners"
import * as RunnerServer from "@effect/cluster/RunnerServer"
import * as Sharding from "@effect/cluster/Sharding"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as Snowflake from "@effect/cluster/Snowflake"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import * as RpcServer from "@effect/rpc/RpcServer"
import { Effect, Layer, Option } from "effect"
import type { ClusterSettings, RunnerSettings } from "./config.js"
import { shardingConfig } from "./config.js"
import * as signing from "./signing.js"
import * as store from "./store.js"

/** How long the cluster keeps an unused connection to a runner (`Runners.makeRpc`'s `idleTimeToLive`), less a margin. */
const KEPT_MS = 120_000

/**
 * `Runners.layerRpc` whose first call to a runner opens its connection alone.
 * The cluster keeps one RPC client per runner in an `RcMap`, and concurrent
 * first calls to a runner each make one, all but one of them dropped without
 * being closed (effect 3.22's `RcMap.get`): their fibers then outlive the
 * cluster and keep the process alive. So, before calls go to a runner not used
 * within `KEPT_MS`, one ping opens its client, with the others waiting on it.
 */
const layerRunners = Layer.scoped(
  Runners.Runners,
  Effect.gen(function*() {
    const runners = yield* Runners.makeRpc
    const lastUsed = new Map<string, number>()
    const opening = new Map<string, Effect.Semaphore>()
    const keyOf = (address: RunnerAddress) => `${address.host}:${address.port}`
    const open = (address: RunnerAddress) =>
      Effect.suspend(() => {
        const key = keyOf(address)
        const used = lastUsed.get(key)
        if (used !== undefined && Date.now() - used < KEPT_MS) {
          lastUsed.set(key, Date.now())
          return Effect.void
        }
        let lock = opening.get(key)
        if (lock === undefined) opening.set(key, lock = Effect.unsafeMakeSemaphore(1))
        return lock.withPermits(1)(Effect.suspend(() => {
          const used = lastUsed.get(key)
          if (used !== undefined && Date.now() - used < KEPT_MS) return Effect.void
          return runners.ping(address).pipe(
            Effect.tap(() => Effect.sync(() => lastUsed.set(key, Date.now()))),
            Effect.ignore
          )
        }))
      })
    return Runners.Runners.of({
      ...runners,
      send: (options) => Effect.zipRight(open(options.address), runners.send(options)),
      notify: (options) =>
        Option.isSome(options.address) ? Effect.zipRight(open(options.address.value), runners.notify(options)) : runners.notify(options),
      onRunnerUnavailable: (address) =>
        Effect.zipRight(Effect.sync(() => lastUsed.delete(keyOf(address))), runners.onRunnerUnavailable(address))
    })
  })
).pipe(Layer.provide(Snowflake.layerGenerator))

/** A runner's sharding: it registers in the store, takes its shards and serves them on its address. */
export const layerRunner = (settings: RunnerSettings) => {
  const clientProtocol = signing.layerClientProtocol(settings.secret)
  const health = RunnerHealth.layerPing.pipe(Layer.provide(Runners.layerRpc), Layer.provide(clientProtocol))
  // SocketRunner.layer, with the Runners above.
  const server = RunnerServer.layer.pipe(
    Layer.provideMerge(Sharding.layer),
    Layer.provideMerge(layerRunners),
    Layer.provide(RpcServer.layerProtocolSocketServer)
  )
  return server.pipe(
    Layer.provide(signing.layerSocketServer(settings.secret)),
    Layer.provide(clientProtocol),
    Layer.provideMerge(health),
    Layer.provideMerge(store.layer(settings.store)),
    Layer.provideMerge(shardingConfig(settings, settings.address, settings.listen)),
    Layer.provide(RpcSerialization.layerMsgPack)
  )
}

/** A caller's sharding: it reads the runners and their shards from the store and sends to them; it serves nothing. */
export const layerClient = (settings: ClusterSettings) =>
  // RunnerServer.layerClientOnly, with the Runners above.
  Sharding.layer.pipe(
    Layer.provideMerge(layerRunners),
    Layer.provide(RunnerHealth.layerNoop),
    Layer.updateService(ShardingConfig.ShardingConfig, (config) => ({ ...config, runnerAddress: Option.none() })),
    Layer.provide(signing.layerClientProtocol(settings.secret)),
    Layer.provideMerge(store.layer(settings.store)),
    Layer.provideMerge(shardingConfig(settings)),
    Layer.provide(RpcSerialization.layerMsgPack)
  )
