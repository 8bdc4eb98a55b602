# Python's multiprocessing.Queue, the same scenario as queue-throughput.mjs.
import multiprocessing as mp, sys, time
def producer(q, start, n, k):
    start.wait()
    for i in range(n): q.put({"id": i, "producer": k})
def consumer(q, start, done, n):
    done.put("ready")
    start.wait()
    s = 0
    for i in range(n): s += q.get()["id"]
    done.put(s)
if __name__ == "__main__":
    mp.set_start_method("spawn")
    P, C, N = map(int, (sys.argv[1] if len(sys.argv) > 1 else "1,1,200000").split(","))
    q, done, start = mp.Queue(), mp.Queue(), mp.Event()
    cs = [mp.Process(target=consumer, args=(q, start, done, N * P // C)) for _ in range(C)]
    ps = [mp.Process(target=producer, args=(q, start, N, k)) for k in range(P)]
    for c in cs: c.start()
    for _ in cs: done.get()
    for p in ps: p.start()
    time.sleep(1)
    t0 = time.perf_counter(); start.set()
    total = sum(done.get() for _ in cs)
    t1 = time.perf_counter()
    for p in ps + cs: p.join()
    print(f"{P}->{C}", round(N * P / (t1 - t0)), "items/s", "ok" if total == P * N * (N - 1) // 2 else "BAD")
