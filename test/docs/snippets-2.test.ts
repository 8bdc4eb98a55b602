/** The program blocks of the docs' pages, shard 2 of 3 (see test/support/docSnippets.ts). */
import { describeSnippets, pagesOfShard } from "../support/docSnippets.js"

describeSnippets(pagesOfShard(2, 3))
