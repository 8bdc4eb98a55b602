/**
 * A module of Node's own, got at first use: `process.getBuiltinModule`
 * (Node 20.16 and later) hands it over without `node:module`, which a child
 * thread would otherwise load at its start, and Node's ES module loader with
 * it, only to call `createRequire` (docs/threads.md). Older Node: through
 * `createRequire`, which the child bootstrap's bundle loads only then
 * (scripts/bundle-bootstrap.mjs).
 */
import { createRequire } from "node:module"

let fallback: NodeJS.Require | undefined

export const builtin = <T>(id: string): T => {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule
  return (get !== undefined ? get.call(process, id) : (fallback ??= createRequire(import.meta.url))(id)) as T
}
