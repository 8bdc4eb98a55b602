// The module targets of examples/module-targets*.ts. A child loads a module
// target by importing this file and calling the export by name — as Python's
// spawned children import the main module to find `f` — so, unlike an inline
// target, an export may use this module's imports and everything else in it.
import * as os from "node:os"

const greeting = "hello"

/** Python's `f(name)`: says hello, from the child. */
export const hello = (name: string): void => console.log(greeting, name)

/** Python's `f(x)`: the square. */
export const square = (x: number): number => x * x

/** Which process ran it, and on which machine. */
export const whereAmI = (): string => `${os.hostname()}, pid ${process.pid}`
