export const seenAtImport = globalThis.initDone ?? "initializer not run yet"
export const get = () => seenAtImport
