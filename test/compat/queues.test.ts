import { describe, expect, it } from "vitest"
import { EOFError, Process, Queue, ValueError } from "effect-multiprocessing/compat"

// A disposed queue passed on: the child finds its owner has closed it, and the owner starts no
// server for it (one started then would never close: the file's leak check counts sockets).

describe("compat Queue", () => {
  it("`using` disposes the queue at the end of the block: the owner's and a child's puts then fail", async () => {
    let held: Queue<number> | undefined
    {
      using q = new Queue<number>()
      await q.put(1)
      expect(await q.get()).toBe(1)
      held = q
    }
    await expect(held.put(2)).rejects.toBeInstanceOf(ValueError)
    await expect(held.get()).rejects.toBeInstanceOf(EOFError)
    const child = new Process({
      target: async (q: Queue<number>) => {
        try {
          await q.put(3)
          return "put"
        } catch (error) {
          return (error as { _tag?: string })._tag
        }
      },
      args: [held]
    })
    child.start()
    expect(await child.result()).toBe("OwnerGoneError")
    await child.join()
  })
})
