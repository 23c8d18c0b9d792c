"""A Python workload for bench/python_bench.py: fixed work split about
60/30/10 among three functions, each running at a Python depth of exactly
DEPTH frames (<module>, main, recurse x DEPTH-3, the working function).

The work is fixed (loop iterations), so a profiler's cost shows in how long
it takes; the split is measured by the workload itself: each function's own
CPU time (time.thread_time around its calls), printed as the truth
"py_60=... py_30=... py_10=..." in percent. Rounds alternate the three
functions in slices of about 10 ms, so a profiler that drifts over the run
(tables built late, names read late) errs alike on all three.

Prints "timed start_ns=... end_ns=..." (CLOCK_MONOTONIC, as examples/ do):
start and end of the work. With --hold FIFO it prints "held" after the work
and waits for a line on FIFO before exiting, so that the benchmark can read
the BPF programs' statistics while the profiler is still loaded, and then
"exit_ns=..." when it leaves.

usage: python3 python_split.py [-n ROUNDS] [--hold FIFO]"""
import argparse
import sys
import time

DEPTH = 30     # Python frames of every working sample, <module> included
UNIT = 25000   # loop iterations of py_10 per round (about 1 ms on 3.11)


def py_60(n):
    x = 0
    for i in range(6 * n):
        x += i
    return x


def py_30(n):
    x = 0
    for i in range(3 * n):
        x += i
    return x


def py_10(n):
    x = 0
    for i in range(n):
        x += i
    return x


WORKERS = (py_60, py_30, py_10)


def recurse(depth, fn, n):
    """depth + 1 frames of recurse, then fn: every working sample is as deep."""
    if depth == 0:
        return fn(n)
    return recurse(depth - 1, fn, n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", "--rounds", type=int, default=400, help="rounds of 10 units each")
    ap.add_argument("--hold", help="FIFO to wait on after the work")
    args = ap.parse_args()
    spent = {fn.__name__: 0.0 for fn in WORKERS}
    start = time.monotonic_ns()
    for _ in range(args.rounds):
        for fn in WORKERS:
            t0 = time.thread_time()
            # <module>, main and the worker are three frames, recurse the rest.
            recurse(DEPTH - 4, fn, UNIT)
            spent[fn.__name__] += time.thread_time() - t0
    end = time.monotonic_ns()
    total = sum(spent.values())
    print(" ".join(f"{n}={100 * s / total:.3f}" for n, s in spent.items()))
    print(f"timed start_ns={start} end_ns={end}", flush=True)
    if args.hold:
        print("held", flush=True)
        with open(args.hold) as f:
            f.readline()
        print(f"exit_ns={time.monotonic_ns()}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
