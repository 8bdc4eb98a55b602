/** Which backend the primitives of this test run live on (the "core" and "served" projects differ, see vitest.config.ts). */
import { Effect } from "effect"
import { Multiprocessing, NodeMultiprocessing } from "effect-multiprocessing"

export const primitives: "shared-memory" | "served" = Effect.runSync(
  Effect.map(Multiprocessing.Multiprocessing, (service) => service.primitives).pipe(Effect.provide(NodeMultiprocessing.layer))
)
