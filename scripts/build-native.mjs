// Builds the shared-memory addon (native/shm.c) into dist/native/shm.node with the system's C
// compiler, offline: the headers are the running Node's own (<prefix>/include/node), never a
// download. N-API only, so the binary serves every Node version. There is no binding.gyp at the
// package root on purpose: npm would turn it into an install script.
//
// Without a compiler or headers (or off Linux, where there is no futex) it says so in one line and
// exits 0: the shared-memory backend falls back to the served primitives. With
// EFFECT_MULTIPROCESSING_REQUIRE_NATIVE=1 (CI on Linux) that is a failure instead, so that a broken
// build cannot hide behind the fallback.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, rmSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const sources = ["shm.c", "readable.c", "descriptors.c"].map((file) => path.join(root, "native", file))
const output = path.join(root, "dist", "native", "shm.node")
const headers = path.join(path.dirname(path.dirname(process.execPath)), "include", "node")
const required = process.env.EFFECT_MULTIPROCESSING_REQUIRE_NATIVE === "1"
const compiler = process.env.CC || "cc"

const fallBack = (why) => {
  rmSync(output, { force: true }) // a stale binary must not outlive a failed build
  if (required) {
    console.error(`build-native: the shared-memory addon was not built (${why}), and EFFECT_MULTIPROCESSING_REQUIRE_NATIVE=1 requires it`)
    process.exit(1)
  }
  console.log(`build-native: shared-memory addon not built (${why}); the shared-memory backend falls back to the served primitives`)
  process.exit(0)
}

if (process.platform !== "linux") fallBack(`no futex on ${process.platform}`)
if (!existsSync(path.join(headers, "node_api.h"))) fallBack(`no Node headers in ${headers}`)

mkdirSync(path.dirname(output), { recursive: true })
const compiled = spawnSync(
  compiler,
  ["-std=gnu11", "-O2", "-fPIC", "-shared", "-Wall", "-Wextra", "-fvisibility=hidden", `-I${headers}`,
    "-DNODE_GYP_MODULE_NAME=shm", "-o", output, ...sources, "-lpthread", "-lrt"],
  { stdio: ["ignore", "inherit", "inherit"] }
)
if (compiled.error !== undefined) fallBack(`${compiler}: ${compiled.error.code === "ENOENT" ? "no C compiler" : compiled.error.message}`)
if (compiled.status !== 0) fallBack(`${compiler} exited with ${compiled.status ?? compiled.signal}`)
