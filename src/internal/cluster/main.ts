#!/usr/bin/env node
/**
 * The runner command (`effect-multiprocessing-runner`): a runner configured
 * from the environment (docs/cluster.md), until SIGINT or SIGTERM, which hand
 * its shards back before it exits. It prints one line once it serves:
 * `effect-multiprocessing cluster runner ready at HOST:PORT (pid N)`.
 * With `EFFECT_MULTIPROCESSING_CLUSTER_EXIT_WITH_STDIN=1` it also stops when
 * its standard input ends (a supervisor that dies takes its runners along).
 */
import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect, Layer } from "effect"
import * as NodeMultiprocessing from "../../NodeMultiprocessing.js"
import { PREFIX, runnerConfig } from "./config.js"
import * as runner from "./runner.js"

const main = Effect.gen(function*() {
  const settings = yield* runnerConfig
  const exitWithStdin = yield* Config.boolean(`${PREFIX}EXIT_WITH_STDIN`).pipe(Config.withDefault(false))
  // Said once the runner's Layer is built: registered, listening, its entity served.
  const ready = Layer.effectDiscard(Effect.sync(() =>
    process.stdout.write(
      `effect-multiprocessing cluster runner ready at ${settings.address.host}:${settings.address.port} (pid ${process.pid})\n`
    )
  )).pipe(Layer.provide(runner.layer(settings)))
  return yield* Layer.launch(ready.pipe(Layer.provide(NodeMultiprocessing.layer))).pipe(
    exitWithStdin
      ? Effect.raceFirst(Effect.async<void>((resume) => {
        process.stdin.on("end", () => resume(Effect.void))
        process.stdin.on("close", () => resume(Effect.void))
        process.stdin.resume()
      }))
      : (effect) => effect
  )
})

NodeRuntime.runMain(main)
