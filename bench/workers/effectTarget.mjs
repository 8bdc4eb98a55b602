// A module target that uses Effect: the process_start_effect_module_ms row starts a process for it.
import { Effect } from "effect"

export const succeedWith = (i) => Effect.succeed(i)
