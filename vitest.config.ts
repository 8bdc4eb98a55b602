import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

// Tests import the package by name and get the build (`npm test` builds first): the
// same JavaScript users run, and the same child bootstrap.
const dist = (file: string) => fileURLToPath(new URL(`./dist/${file}`, import.meta.url))

export default defineConfig({
  resolve: {
    alias: [
      { find: /^effect-multiprocessing\/compat$/, replacement: dist("compat/index.js") },
      { find: /^effect-multiprocessing$/, replacement: dist("index.js") }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/runTmpdir.ts"],
    setupFiles: ["test/support/noLeaks.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: files run two at a time at most, so timing-sensitive waits stay honest.
    maxWorkers: 2,
    minWorkers: 1
  }
})
