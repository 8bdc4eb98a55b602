# Python's wall and CPU time per round trip (compare with rtt-cpu.mjs in the same conditions).
import multiprocessing as mp, time, sys, os
def echo(c):
    while True:
        m = c.recv_bytes()
        if len(m) == 1: t0 = time.process_time()
        if len(m) == 0:
            c.send_bytes(str(time.process_time() - t0).encode()); return
        c.send_bytes(m)
if __name__ == "__main__":
    ctx = mp.get_context("spawn"); a, b = ctx.Pipe(); p = ctx.Process(target=echo, args=(b,)); p.start()
    N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    msg = b"\x01" * 16
    for _ in range(3000): a.send_bytes(msg); a.recv_bytes()
    a.send_bytes(b"\x02"); a.recv_bytes()
    t0 = time.perf_counter(); c0 = time.process_time()
    for _ in range(N): a.send_bytes(msg); a.recv_bytes()
    w = (time.perf_counter() - t0) / N * 1e6; c = (time.process_time() - c0) / N * 1e6
    a.send_bytes(b""); cc = float(a.recv_bytes()) / N * 1e6; p.join()
    print(f"python wall {w:.1f} µs/rtt mean; parent cpu {c:.1f}; child cpu {cc:.1f}")
