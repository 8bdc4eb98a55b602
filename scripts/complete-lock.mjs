// Adds lock entries for optional platform packages that the registry this project
// is installed from does not carry (it answers 404 for some of rollup's and
// msgpackr-extract's prebuilt binaries). Without an entry `npm ci` refuses the lock;
// with one, npm skips the package as an optional dependency that failed, exactly as
// it skips other platforms' binaries. Run after `npm install` changes the lock:
//   node scripts/complete-lock.mjs
import * as fs from "node:fs"

const file = new URL("../package-lock.json", import.meta.url)
const lock = JSON.parse(fs.readFileSync(file, "utf8"))
const packages = lock.packages
let added = 0
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location}/node_modules/${name}`
    const hoisted = `node_modules/${name}`
    if (packages[nested] !== undefined || packages[hoisted] !== undefined) continue
    packages[hoisted] = { version, ...(entry.dev ? { dev: true } : {}), optional: true }
    added++
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)))
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + "\n")
console.log(`complete-lock: added ${added} optional platform entries`)
