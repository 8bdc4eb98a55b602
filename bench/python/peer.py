"""Python peer for bench/run.js.

One long-lived python3 process that times Python's side of each benchmark on
request, so that run.js can interleave it round by round with the Node
contenders. Protocol: one JSON command per line on stdin, one JSON answer per
line on stdout.

  {"cmd": "start_join", "method": "spawn" | "forkserver", "n": 30, "pause_ms": 0}
      -> {"ms": [per-iteration milliseconds]}   (Process(target=f).start(); p.join(); then pause_ms untimed)
  {"cmd": "start_with_queue", "n": 30}
      -> {"ms": [per-iteration milliseconds]}   (spawn Process(target=put_one, args=(q, i)); q.get(); p.join(); q made once)
  {"cmd": "codec", "case": "small" | "f64_1mib" | "bytes_1mib", "budget_ms": 300}
      -> {"ops_per_s": n}                        (pickle.dumps + pickle.loads)
  {"cmd": "pipe_pingpong", "n": 2000, "warmup_ms": 500}
      -> {"us": [per-message round trips, microseconds]}  (16-byte send_bytes + recv_bytes of the echo)
  {"cmd": "pipe_stream", "kind": "bytes" | "objects", "n": 50000, "warmup_ms": 500}
      -> {"msgs_per_s": n}                       (child sends; parent recv_bytes / recv)
  {"cmd": "lock_local", "budget_ms": 300}
  {"cmd": "lock_remote", "n": 5000, "warmup_ms": 500}
  {"cmd": "value_increment", "n": 2000, "warmup_ms": 500}
  {"cmd": "event_pingpong", "n": 2000, "warmup_ms": 500}
  {"cmd": "condition_pingpong", "n": 2000, "warmup_ms": 500}
  {"cmd": "barrier_pass", "n": 2000, "warmup_ms": 500}
      -> {"us": n}                               (per acquire+release / per increment under get_lock() /
                                                  per round trip / per pass of a Barrier of 2)
  Pipe children use the spawn context and are started and joined outside the timed part.
  {"cmd": "thread_lock", "n": 5000, "warmup_ms": 500}
      -> {"us": n}                               (per acquire+release of a threading.Lock made by the main
                                                  thread, timed in another thread: multiprocessing.dummy's Lock)
  {"cmd": "thread_queue", "n": 20000, "warm": 2000}
      -> {"items_per_s": n}                      (ints through a queue.Queue, multiprocessing.dummy's Queue,
                                                  from a thread to the main thread, after `warm` untimed ones)
  {"cmd": "queue_throughput", "kind": "Queue" | "JoinableQueue", "producers": 4, "consumers": 4,
   "n": 50000, "warm": 20000, "timeout_s": 120}
      -> {"items_per_s": n}                      (producers * n items / elapsed)
  Queue children (spawn) put {"id": i, "producer": k} to, or get from, a queue the parent made;
  each first warms up (puts, then gets, `warm` items of the same shape; consumers before the
  producers start) and reports "ready" on a second queue, then waits on a start Event. Timed: from start.set() in the parent until every
  consumer has reported the sum of its ids (and, for a JoinableQueue, where consumers call
  task_done() per item, the producer that its join() returned); the total is checked. Children
  are started and joined outside the timed part.
  {"cmd": "manager_startup", "n": 15}
      -> {"ms": [per-start milliseconds]}        (ctx.Manager() until it returns; m.shutdown() follows, untimed)
  {"cmd": "manager_dict", "op": "set" | "get", "n": 5000, "warmup_ms": 500}
      -> {"median": us, "mean": us}              (d[i % 100] = i / d[i % 100] from the parent, each call timed)
  Manager dict: a fresh spawn-context Manager() and m.dict() (keys 0..99 set to themselves) per command,
  made, filled and shut down outside the timed part; warmup_ms of the same calls first.
  {"cmd": "pool_map", "processes": 2, "n": 200000}
      -> {"ms": n}                               (pool.map(double, xs), default chunksize; xs made before timing)
  {"cmd": "pool_apply_async", "processes": 2, "n": 100000}
      -> {"tasks_per_s": n}                      (apply_async(double, (i,)) for each i, then get() each)
  {"cmd": "pool_apply", "processes": 2, "n": 2000}
      -> {"us": [per-task microseconds]}         (pool.apply(double, (i,)), one at a time)
  {"cmd": "pool_close"}
      -> {"closed": k}                           (terminate() + join() of the pools kept so far)
  Pool commands share one spawn-context Pool(processes) per worker count, made by the first command
  that asks for it (bench/pool.js sends the untimed warm-up first) and kept across commands, so
  pool start-up is never timed and every timed round finds warm workers; before its first use the
  pool waits until each worker has answered. Results are checked (the sum of the doubled values).
  run.js closes them with pool_close at the end of each pool metric; quit closes any left.
  {"cmd": "quit"}
      -> {"helper_pids": [...]} and exit         (forkserver / resource tracker pids, for run.js to check)

Module level stays minimal: spawn children import this file as __mp_main__.
"""
import multiprocessing


def empty_target():
    pass


def _start_join(ctx, n, pause_ms=0):
    import time

    out = []
    for _ in range(n):
        time.sleep(pause_ms / 1000.0)
        t0 = time.perf_counter()
        p = ctx.Process(target=empty_target)
        p.start()
        p.join()
        out.append((time.perf_counter() - t0) * 1000.0)
        if p.exitcode != 0:
            raise RuntimeError(f"child exited with {p.exitcode}")
        p.close()
    return out


def put_one(q, i):
    q.put(i)


def _start_with_queue(ctx, n):
    import time

    q = ctx.Queue()
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        p = ctx.Process(target=put_one, args=(q, i))
        p.start()
        got = q.get()
        p.join()
        out.append((time.perf_counter() - t0) * 1000.0)
        if p.exitcode != 0 or got != i:
            raise RuntimeError(f"child exited with {p.exitcode}, item {got} for {i}")
        p.close()
    q.close()
    q.join_thread()
    return out


def echo_target(conn):
    # Echoes until the empty message, which it echoes too.
    while True:
        msg = conn.recv_bytes()
        conn.send_bytes(msg)
        if not msg:
            break
    conn.close()


def stream_target(conn, kind):
    # Sends as many messages as each request (a 4-byte count) asks for; a count of 0 ends it.
    data = b"\x07" * 1024
    sent = 0
    while True:
        count = int.from_bytes(conn.recv_bytes(), "big")
        if count == 0:
            break
        for _ in range(count):
            if kind == "bytes":
                conn.send_bytes(data)
            else:
                conn.send({"id": sent, "name": "task", "tags": ["a", "b"], "ok": True, "score": 3.14})
            sent += 1
    conn.close()


def _with_child(ctx, target, args, body):
    here, there = ctx.Pipe()
    p = ctx.Process(target=target, args=(there,) + tuple(args))
    p.start()
    there.close()
    try:
        result = body(here)
    finally:
        here.close()
        p.join()
    if p.exitcode != 0:
        raise RuntimeError(f"pipe child exited with {p.exitcode}")
    p.close()
    return result


def _pipe_pingpong(ctx, n, warmup_ms):
    import time

    def body(conn):
        msg = b"\x01" * 16
        out = []
        clock = time.perf_counter_ns
        send, recv = conn.send_bytes, conn.recv_bytes
        send(msg)  # the child is up once it answers: warm-up starts then
        recv()
        warm_until = clock() + warmup_ms * 1_000_000
        while clock() < warm_until:
            send(msg)
            recv()
        for _ in range(n):
            t0 = clock()
            send(msg)
            echo = recv()
            t1 = clock()
            if len(echo) != 16:
                raise RuntimeError("bad echo")
            out.append((t1 - t0) / 1000.0)
        send(b"")
        recv()
        return out

    return _with_child(ctx, echo_target, (), body)


def _pipe_stream(ctx, kind, n, warmup_ms):
    import time

    def body(conn):
        recv = conn.recv_bytes if kind == "bytes" else conn.recv
        conn.send_bytes((1).to_bytes(4, "big"))  # the child is up once it answers: warm-up starts then
        recv()
        received = 1
        warm_until = time.perf_counter() + warmup_ms / 1000
        while time.perf_counter() < warm_until:
            conn.send_bytes((5000).to_bytes(4, "big"))
            for _ in range(5000):
                recv()
            received += 5000
        last = None
        t0 = time.perf_counter()
        conn.send_bytes(n.to_bytes(4, "big"))
        for _ in range(n):
            last = recv()
        t1 = time.perf_counter()
        conn.send_bytes((0).to_bytes(4, "big"))
        ok = len(last) == 1024 if kind == "bytes" else last["id"] == received + n - 1
        if not ok:
            raise RuntimeError(f"unexpected {kind} stream content")
        return n / (t1 - t0)

    return _with_child(ctx, stream_target, (kind,), body)


def lock_target(lock, warmup_ms, n, out):
    import time

    warm_until = time.perf_counter() + warmup_ms / 1000
    while time.perf_counter() < warm_until:
        lock.acquire()
        lock.release()
    t0 = time.perf_counter()
    for _ in range(n):
        lock.acquire()
        lock.release()
    out.value = (time.perf_counter() - t0) * 1e6 / n


def _lock_remote(ctx, n, warmup_ms):
    """Microseconds per acquire+release of the parent's Lock, measured in a child."""
    lock = ctx.Lock()
    out = ctx.Value("d", 0.0, lock=False)
    p = ctx.Process(target=lock_target, args=(lock, warmup_ms, n, out))
    p.start()
    p.join()
    return out.value


def _lock_local(ctx, budget_ms):
    lock = ctx.Lock()

    def pair():
        lock.acquire()
        lock.release()

    return 1e6 / _ops_per_s(pair, budget_ms)


def _thread_lock(n, warmup_ms):
    """Microseconds per acquire+release of a threading.Lock (multiprocessing.dummy's Lock) made here, measured in another thread."""
    import threading

    lock = threading.Lock()
    out = []
    worker = threading.Thread(target=lambda: out.append(_timed_pairs(lock, warmup_ms, n)))
    worker.start()
    worker.join()
    return out[0]


def _timed_pairs(lock, warmup_ms, n):
    import time

    warm_until = time.perf_counter() + warmup_ms / 1000
    while time.perf_counter() < warm_until:
        lock.acquire()
        lock.release()
    t0 = time.perf_counter()
    for _ in range(n):
        lock.acquire()
        lock.release()
    return (time.perf_counter() - t0) * 1e6 / n


def _thread_queue(n, warm):
    """Items per second through a queue.Queue (multiprocessing.dummy's Queue) from another thread to this one."""
    import queue
    import threading
    import time

    q = queue.Queue()
    go = threading.Event()

    def produce():
        for i in range(warm):
            q.put(i)
        go.wait()
        for i in range(n):
            q.put(i)

    producer = threading.Thread(target=produce)
    producer.start()
    for _ in range(warm):
        q.get()
    t0 = time.perf_counter()
    go.set()
    total = 0
    for _ in range(n):
        total += q.get()
    elapsed = time.perf_counter() - t0
    producer.join()
    if total != n * (n - 1) // 2:
        raise RuntimeError("thread_queue: items lost")
    return n / elapsed


def increment_target(value, gate, warmup_ms, n, barrier, spans):
    import time

    warm_until = time.perf_counter() + warmup_ms / 1000
    while time.perf_counter() < warm_until:
        with value.get_lock():
            value.value += 0
    barrier.wait()
    # The gate, as ours: both children counted in before either times.
    with gate.get_lock():
        gate.value += 1
    give_up = time.perf_counter() + 30
    while gate.value < 2:
        if time.perf_counter() > give_up:
            raise RuntimeError("the other child never reached the gate")
    start = time.time()
    for _ in range(n):
        with value.get_lock():
            value.value += 1
    spans.put((start, time.time()))


def _value_increment(ctx, n, warmup_ms):
    """Microseconds per increment under the value's lock, two children incrementing at once:
    from the first child's start of its timed increments to the last one's end (both start
    after a Barrier and a gate both have passed, once warm)."""
    value = ctx.Value("i", 0)
    gate = ctx.Value("i", 0)
    barrier = ctx.Barrier(2)
    spans = ctx.SimpleQueue()
    children = [ctx.Process(target=increment_target, args=(value, gate, warmup_ms, n, barrier, spans)) for _ in range(2)]
    for c in children:
        c.start()
    timed = [spans.get() for _ in children]
    for c in children:
        c.join()
    if value.value != 2 * n:
        raise RuntimeError(f"lost increments: {value.value} != {2 * n}")
    elapsed = max(end for _, end in timed) - min(start for start, _ in timed)
    return elapsed * 1e6 / (2 * n)


def event_echo(ping, pong, rounds):
    for _ in range(rounds):
        ping.wait()
        ping.clear()
        pong.set()


def _event_pingpong(ctx, n, warmup_ms):
    """Microseconds per round trip over two Events: the parent sets ping and waits on pong (then
    clears it), a child the other way round; at least 1000 untimed rounds first (as ours)."""
    import time

    ping, pong = ctx.Event(), ctx.Event()
    warm = max(1000, round(warmup_ms * 20))
    p = ctx.Process(target=event_echo, args=(ping, pong, warm + n))
    p.start()

    def one_round():
        ping.set()
        pong.wait()
        pong.clear()

    for _ in range(warm):
        one_round()
    t0 = time.perf_counter()
    for _ in range(n):
        one_round()
    us = (time.perf_counter() - t0) * 1e6 / n
    p.join()
    return us


def condition_echo(cond, turn, rounds):
    with cond:
        for _ in range(rounds):
            while turn.value != 1:
                cond.wait()
            turn.value = 0
            cond.notify()


def _condition_pingpong(ctx, n, warmup_ms):
    """Microseconds per round trip over one Condition and a RawValue saying whose turn it is: the
    parent gives the turn (turn = 1, notify) and waits until it is back; a child the other way
    round; each holds the lock throughout but while it waits. At least 1000 untimed rounds first."""
    import time

    cond, turn = ctx.Condition(), ctx.RawValue("i", 0)
    warm = max(1000, round(warmup_ms * 20))
    p = ctx.Process(target=condition_echo, args=(cond, turn, warm + n))
    p.start()

    def rounds(k):
        for _ in range(k):
            turn.value = 1
            cond.notify()
            while turn.value != 0:
                cond.wait()

    with cond:
        rounds(warm)
        t0 = time.perf_counter()
        rounds(n)
        us = (time.perf_counter() - t0) * 1e6 / n
    p.join()
    return us


def barrier_party(barrier, rounds):
    for _ in range(rounds):
        barrier.wait()


def _barrier_pass(ctx, n, warmup_ms):
    """Microseconds per pass of a Barrier of 2 parties, the parent and a child, each waiting on it
    in a loop; at least 1000 untimed passes first."""
    import time

    barrier = ctx.Barrier(2)
    warm = max(1000, round(warmup_ms * 20))
    p = ctx.Process(target=barrier_party, args=(barrier, warm + n))
    p.start()
    for _ in range(warm):
        barrier.wait()
    t0 = time.perf_counter()
    for _ in range(n):
        barrier.wait()
    us = (time.perf_counter() - t0) * 1e6 / n
    p.join()
    return us


def queue_warm_up(q, warm, joinable):
    for _ in range(warm):
        q.put({"id": -1, "producer": -1})
    for _ in range(warm):
        q.get()
        if joinable:
            q.task_done()


def queue_producer(q, start, done, n, k, joinable, warm):
    start.is_set()
    queue_warm_up(q, warm, joinable)
    if joinable:
        q.join()  # nothing outstanding once every producer has warmed up: returns at once
    done.put("ready")
    start.wait()
    for i in range(n):
        q.put({"id": i, "producer": k})
    if joinable:
        q.join()
        done.put("joined")


def queue_consumer(q, start, done, n, joinable, warm):
    queue_warm_up(q, warm, joinable)
    done.put("ready")
    start.wait()
    s = 0
    for _ in range(n):
        s += q.get()["id"]
        if joinable:
            q.task_done()
    done.put(s)


def _queue_throughput(ctx, kind, producers, consumers, n, timeout_s, warm=1):
    """Items per second from producer children to consumer children through the parent's queue."""
    import queue
    import time

    joinable = kind == "JoinableQueue"
    q = ctx.JoinableQueue() if joinable else ctx.Queue()
    done, start = ctx.Queue(), ctx.Event()
    started = []

    def report():
        try:
            return done.get(timeout=timeout_s)
        except queue.Empty:
            raise RuntimeError(f"no report from the queue children within {timeout_s} s") from None

    def start_all(target, count, args):
        for k in range(count):
            p = ctx.Process(target=target, args=args(k))
            p.start()
            started.append(p)

    try:
        start_all(queue_consumer, consumers, lambda k: (q, start, done, n * producers // consumers, joinable, warm))
        for _ in range(consumers):  # their warm-up items are gone before producers start
            report()
        start_all(queue_producer, producers, lambda k: (q, start, done, n, k, joinable, warm))
        for _ in range(producers):
            report()
        reports = consumers + (producers if joinable else 0)
        total = 0
        t0 = time.perf_counter()
        start.set()
        for _ in range(reports):
            got = report()
            if got != "joined":
                total += got
        t1 = time.perf_counter()
        for p in started:
            p.join()
            if p.exitcode != 0:
                raise RuntimeError(f"queue child exited with {p.exitcode}")
        expected = producers * n * (n - 1) // 2
        if total != expected:
            raise RuntimeError(f"lost or duplicated items: sum of ids {total} != {expected}")
        return producers * n / (t1 - t0)
    finally:
        for p in started:
            if p.is_alive():
                p.terminate()
                p.join()
            p.close()
        q.close()
        done.close()


def _manager_startup(ctx, n):
    """Milliseconds per start: ctx.Manager() until it returns (the server process serves and has sent its address)."""
    import time

    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        m = ctx.Manager()
        out.append((time.perf_counter() - t0) * 1000.0)
        m.shutdown()
    return out


def _manager_dict(ctx, op, n, warmup_ms):
    """Microseconds per d[i % 100] = i ("set") or d[i % 100] ("get") through a manager's dict proxy: median and mean."""
    import time

    m = ctx.Manager()
    try:
        d = m.dict()
        for k in range(100):
            d[k] = k
        clock = time.perf_counter_ns
        warm_until = clock() + warmup_ms * 1_000_000
        while clock() < warm_until:
            for i in range(100):
                if op == "set":
                    d[i % 100] = i
                else:
                    d[i % 100]
        calls = []
        total = 0
        t0 = clock()
        if op == "set":
            for i in range(n):
                start = clock()
                d[i % 100] = i
                calls.append(clock() - start)
        else:
            for i in range(n):
                start = clock()
                got = d[i % 100]
                calls.append(clock() - start)
                total += got
        mean = (clock() - t0) / 1000.0 / n
        ok = total == sum(i % 100 for i in range(n)) if op == "get" else d[(n - 1) % 100] == n - 1
        if not ok:
            raise RuntimeError(f"unexpected dict content after {n} {op}s")
        calls.sort()
        del d
        return {"median": calls[len(calls) >> 1] / 1000.0, "mean": mean}
    finally:
        m.shutdown()


def double(x):
    return x * 2


def ready_pid(ms):
    import os
    import time

    time.sleep(ms / 1000)
    return os.getpid()


def _open_pool(ctx, processes):
    """A Pool(processes) whose every worker has answered (tasks that sleep a little, until each pid is seen)."""
    pool = ctx.Pool(processes)
    seen = set()
    for _ in range(100):
        seen.update(pool.map(ready_pid, [20] * (2 * processes), chunksize=1))
        if len(seen) >= processes:
            return pool
    pool.terminate()
    pool.join()
    raise RuntimeError(f"only {len(seen)} of {processes} pool workers answered")


def _pool_map(pool, n):
    """Milliseconds for pool.map(double, xs) over n integers, default chunksize."""
    import time

    xs = list(range(n))
    t0 = time.perf_counter()
    out = pool.map(double, xs)
    t1 = time.perf_counter()
    if len(out) != n or sum(out) != n * (n - 1):
        raise RuntimeError("pool_map: wrong results")
    return (t1 - t0) * 1000.0


def _pool_apply_async(pool, n):
    """Tasks per second: n apply_async(double, (i,)), then get() of each."""
    import time

    t0 = time.perf_counter()
    results = [pool.apply_async(double, (i,)) for i in range(n)]
    total = 0
    for r in results:
        total += r.get()
    t1 = time.perf_counter()
    if total != n * (n - 1):
        raise RuntimeError("pool_apply_async: wrong results")
    return n / (t1 - t0)


def _pool_apply(pool, n):
    """Per-task microseconds of pool.apply(double, (i,)), one task at a time."""
    import time

    clock = time.perf_counter_ns
    out = []
    for i in range(n):
        t0 = clock()
        got = pool.apply(double, (i,))
        t1 = clock()
        if got != 2 * i:
            raise RuntimeError("pool_apply: wrong result")
        out.append((t1 - t0) / 1000.0)
    return out


def sum_shm_range(name, start, end):
    from multiprocessing.shared_memory import SharedMemory

    shm = SharedMemory(name)
    data = shm.buf.cast("d")
    total = sum(data[start:end])
    data.release()
    shm.close()
    return total


def _shm_array_sum(pool, n):
    """Milliseconds for pool.starmap(sum_shm_range) over the two halves of n float64 in one SharedMemory (made and filled untimed)."""
    import time
    from multiprocessing.shared_memory import SharedMemory

    shm = SharedMemory(create=True, size=n * 8)
    try:
        data = shm.buf.cast("d")
        for i in range(n):
            data[i] = i * 0.5
        data.release()
        half = n // 2
        t0 = time.perf_counter()
        halves = pool.starmap(sum_shm_range, [(shm.name, 0, half), (shm.name, half, n)])
        t1 = time.perf_counter()
        if sum(halves) != n * (n - 1) / 4:
            raise RuntimeError("shm_array_sum: wrong sum")
        return (t1 - t0) * 1000.0
    finally:
        shm.close()
        shm.unlink()


def _close_pools(pools):
    closed = 0
    for pool in pools.values():
        pool.terminate()
        pool.join()
        closed += 1
    pools.clear()
    return closed


def _small_object():
    return {"id": 42, "name": "task-42", "tags": ["a", "b"], "ok": True, "score": 3.14, "nested": {"x": 1, "y": [1, 2, 3]}}


def _f64_1mib():
    import array

    return array.array("d", (i * 1.5 for i in range(131072)))  # 131072 * 8 bytes = 1 MiB


def _ops_per_s(fn, budget_ms):
    """Calls fn in batches sized to ~5 ms until budget_ms has passed; gives calls per second."""
    import time

    batch = 1
    while True:  # calibrate
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        if time.perf_counter() - t0 >= 0.005:
            break
        batch *= 2
    n = 0
    budget = budget_ms / 1000.0
    t0 = time.perf_counter()
    while True:
        for _ in range(batch):
            fn()
        n += batch
        elapsed = time.perf_counter() - t0
        if elapsed >= budget:
            return n / elapsed


def main():
    import json
    import pickle
    import sys

    contexts = {}
    pools = {}  # processes -> a Pool kept across commands (see pool_*)
    cases = {"small": _small_object(), "f64_1mib": _f64_1mib()}
    cases["bytes_1mib"] = cases["f64_1mib"].tobytes()
    protocol = pickle.HIGHEST_PROTOCOL
    dumps, loads = pickle.dumps, pickle.loads

    def answer(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    while True:
        line = sys.stdin.readline()
        if not line:  # run.js went away
            return
        req = json.loads(line)
        cmd = req["cmd"]
        try:
            if cmd == "start_join":
                method = req["method"]
                if method not in contexts:
                    contexts[method] = multiprocessing.get_context(method)
                answer({"ms": _start_join(contexts[method], int(req["n"]), float(req.get("pause_ms", 0)))})
            elif cmd == "start_with_queue":
                if "spawn" not in contexts:
                    contexts["spawn"] = multiprocessing.get_context("spawn")
                answer({"ms": _start_with_queue(contexts["spawn"], int(req["n"]))})
            elif cmd in ("pipe_pingpong", "pipe_stream"):
                if "spawn" not in contexts:
                    contexts["spawn"] = multiprocessing.get_context("spawn")
                ctx, n = contexts["spawn"], int(req["n"])
                if cmd == "pipe_pingpong":
                    answer({"us": _pipe_pingpong(ctx, n, float(req["warmup_ms"]))})
                else:
                    answer({"msgs_per_s": _pipe_stream(ctx, req["kind"], n, float(req["warmup_ms"]))})
            elif cmd in ("lock_local", "lock_remote", "value_increment", "event_pingpong", "condition_pingpong", "barrier_pass"):
                if "spawn" not in contexts:
                    contexts["spawn"] = multiprocessing.get_context("spawn")
                ctx = contexts["spawn"]
                if cmd == "lock_local":
                    answer({"us": _lock_local(ctx, float(req["budget_ms"]))})
                elif cmd == "lock_remote":
                    answer({"us": _lock_remote(ctx, int(req["n"]), float(req["warmup_ms"]))})
                elif cmd == "event_pingpong":
                    answer({"us": _event_pingpong(ctx, int(req["n"]), float(req["warmup_ms"]))})
                elif cmd == "condition_pingpong":
                    answer({"us": _condition_pingpong(ctx, int(req["n"]), float(req["warmup_ms"]))})
                elif cmd == "barrier_pass":
                    answer({"us": _barrier_pass(ctx, int(req["n"]), float(req["warmup_ms"]))})
                else:
                    answer({"us": _value_increment(ctx, int(req["n"]), float(req["warmup_ms"]))})
            elif cmd == "thread_lock":
                answer({"us": _thread_lock(int(req["n"]), float(req["warmup_ms"]))})
            elif cmd == "thread_queue":
                answer({"items_per_s": _thread_queue(int(req["n"]), int(req["warm"]))})
            elif cmd == "queue_throughput":
                if "spawn" not in contexts:
                    contexts["spawn"] = multiprocessing.get_context("spawn")
                answer({"items_per_s": _queue_throughput(contexts["spawn"], req["kind"], int(req["producers"]),
                                                         int(req["consumers"]), int(req["n"]), float(req["timeout_s"]),
                                                         int(req.get("warm", 1)))})
            elif cmd in ("manager_startup", "manager_dict"):
                if "spawn" not in contexts:
                    contexts["spawn"] = multiprocessing.get_context("spawn")
                ctx = contexts["spawn"]
                if cmd == "manager_startup":
                    answer({"ms": _manager_startup(ctx, int(req["n"]))})
                else:
                    answer(_manager_dict(ctx, req["op"], int(req["n"]), float(req["warmup_ms"])))
            elif cmd in ("pool_map", "pool_apply_async", "pool_apply", "shm_array_sum"):
                if "spawn" not in contexts:
                    contexts["spawn"] = multiprocessing.get_context("spawn")
                processes, n = int(req["processes"]), int(req["n"])
                if processes not in pools:
                    pools[processes] = _open_pool(contexts["spawn"], processes)
                pool = pools[processes]
                if cmd == "pool_map":
                    answer({"ms": _pool_map(pool, n)})
                elif cmd == "shm_array_sum":
                    answer({"ms": _shm_array_sum(pool, n)})
                elif cmd == "pool_apply_async":
                    answer({"tasks_per_s": _pool_apply_async(pool, n)})
                else:
                    answer({"us": _pool_apply(pool, n)})
            elif cmd == "pool_close":
                answer({"closed": _close_pools(pools)})
            elif cmd == "codec":
                value = cases[req["case"]]
                answer({"ops_per_s": _ops_per_s(lambda: loads(dumps(value, protocol)), float(req["budget_ms"]))})
            elif cmd == "info":
                answer({"python": sys.version.split()[0], "pickle_protocol": protocol})
            elif cmd == "quit":
                _close_pools(pools)
                pids = []
                try:  # private attributes, only to let run.js verify that these helpers went away
                    from multiprocessing import forkserver, resource_tracker

                    for pid in (getattr(forkserver._forkserver, "_forkserver_pid", None),
                                getattr(resource_tracker._resource_tracker, "_pid", None)):
                        if pid:
                            pids.append(pid)
                except Exception:
                    pass
                answer({"helper_pids": pids})
                return
            else:
                answer({"error": f"unknown command {cmd!r}"})
        except Exception as e:  # report, keep serving
            answer({"error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
