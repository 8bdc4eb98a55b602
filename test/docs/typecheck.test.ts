/** Every block of the docs' pages typechecks against the build's declarations (see test/support/docSnippets.ts). */
import { describeTypecheck } from "../support/docSnippets.js"

describeTypecheck()
