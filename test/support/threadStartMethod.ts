/** The "threads" project's setup: every file runs as a program that began with setStartMethod("thread") (see vitest.config.ts). */
import { setStartMethod } from "effect-multiprocessing/compat"

setStartMethod("thread")
