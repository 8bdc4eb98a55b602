/**
 * The cluster's sharding for a runner (it serves shards) and for a caller
 * (client only), over authenticated sockets (`signing.ts`) and the store of
 * `store.ts`: what `NodeClusterSocket.layer` of `@effect/platform-node`
 * assembles, with the socket layers replaced by the authenticated ones.
 */
import * as RunnerHealth from "@effect/cluster/RunnerHealth"
import * as Runners from "@effect/cluster/Runners"
import * as RunnerServer from "@effect/cluster/RunnerServer"
import * as SocketRunner from "@effect/cluster/SocketRunner"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import { Layer } from "effect"
import type { ClusterSettings, RunnerSettings } from "./config.js"
import { shardingConfig } from "./config.js"
import * as signing from "./signing.js"
import * as store from "./store.js"

/** A runner's sharding: it registers in the store, takes its shards and serves them on its address. */
export const layerRunner = (settings: RunnerSettings) => {
  const clientProtocol = signing.layerClientProtocol(settings.secret)
  const health = RunnerHealth.layerPing.pipe(Layer.provide(Runners.layerRpc), Layer.provide(clientProtocol))
  return SocketRunner.layer.pipe(
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
  RunnerServer.layerClientOnly.pipe(
    Layer.provide(signing.layerClientProtocol(settings.secret)),
    Layer.provideMerge(store.layer(settings.store)),
    Layer.provideMerge(shardingConfig(settings)),
    Layer.provide(RpcSerialization.layerMsgPack)
  )
