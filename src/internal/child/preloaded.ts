/**
 * Modules a child already holds when it starts from the start-up snapshot
 * (scripts/build-snapshot.mjs): the library's own modules, by the URL of their
 * built file. Importing one of those URLs again would load a second copy of
 * the library and of Effect beside the snapshot's; this hands out the
 * snapshot's instead. Empty in a child started the ordinary way.
 */
const preloaded = new Map<string, unknown>()

/** Called by the snapshot's entry while the snapshot is built. */
export const preload = (modules: Readonly<Record<string, unknown>>): void => {
  for (const [url, namespace] of Object.entries(modules)) preloaded.set(url, namespace)
}

/** Whether this child holds `url`'s module already. */
export const isPreloaded = (url: string): boolean => preloaded.has(url)

/** The module at `url`: the one this child holds, or a dynamic import. */
export const importModule = (url: string): Promise<unknown> =>
  preloaded.has(url) ? Promise.resolve(preloaded.get(url)) : import(url)
