"""One big item through multiprocessing.Queue: a spawned child puts bytes of N bytes, the parent
gets them; prints MB/s from the child's put until the get returned (bench/queue-big-item.js)."""
import multiprocessing as mp
import sys
import time


def produce(q, ready, n):
    item = bytes([7]) * n
    ready.put("ready")
    ready.get()
    ready.put(time.time())
    q.put(item)


if __name__ == "__main__":
    mp.set_start_method("spawn")
    q, ready = mp.Queue(), mp.Queue()
    n = int(sys.argv[1])
    p = mp.Process(target=produce, args=(q, ready, n))
    p.start()
    ready.get()
    ready.put("go")
    started = ready.get()
    item = q.get()
    seconds = time.time() - started
    assert len(item) == n and item[0] == 7 and item[-1] == 7
    p.join()
    print(n / 1e6 / seconds)
