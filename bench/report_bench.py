#!/usr/bin/env python3
"""Benchmark `xpu-perf report` against flamegraph.pl (and difffolded.pl), in
one session, on a large generated folded file.

The generator is deterministic (fixed seed): --stacks unique stacks (default
1,000,000, about 1 GB), each line "comm-PID;_start;__libc_start_main;main;..."
then 14-20 frames of C++-like names (50-70 bytes, 20,000 distinct), laid out
as a call tree: 16 processes, 2 levels of fan-out 6, 4 of fan-out 4, then a
tail of 8-14 frames unique to the stack, so stacks share prefixes as
real ones do and the tree has about 11 nodes per stack; lines come in tree (sorted)
order, as record and stackcollapse write them; weights 1-999. A second file
(NEW, for the diff) reweights a fifth of the stacks and drops 1% of them.

Timed, alternating the tools run by run, medians of --runs:
  xpu table    xpu-perf report FILE                (top-20 table)
  ... twice    xpu-perf report FILE FILE           (memory must not grow)
  xpu svg      xpu-perf report --svg OUT FILE
  flamegraph   flamegraph.pl FILE > OUT
  xpu diff     xpu-perf report --diff --svg OUT BASE NEW
  difffolded   difffolded.pl BASE NEW | flamegraph.pl > OUT   (one shell)
Each line: wall seconds, CPU seconds (user+sys), peak RSS (MB; for the
pipeline the largest of its processes), speed-up against the Perl peer.

Peers come from FLAMEGRAPH_DIR (default /work/peers/FlameGraph) and are
skipped when absent. Run on an idle machine; the load average is printed.

  bench/report_bench.py [--stacks N] [--runs N] [--dir DIR] [--keep] [--only diff]
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
XPU = os.path.join(ROOT, "build", "xpu-perf")


def vocabulary(rng, n):
    """n distinct C++-ish function names, 50-70 bytes."""
    spaces = ["engine", "net", "storage", "util", "query", "index", "cache", "io"]
    words = ["Buffer", "Parser", "Handler", "Worker", "Manager", "Table", "Stream",
             "Encoder", "Planner", "Session", "Reader", "Writer", "Allocator", "Scheduler"]
    verbs = ["process", "handle", "flush", "lookup", "insert", "encode", "decode",
             "dispatch", "compact", "merge", "scan", "read", "write", "visit"]
    args = ["(int)", "(unsigned long, char const*)", "(std::string const&)",
            "(void*, unsigned long)", "()", "(Row const&, int) const"]
    names, seen = [], set()
    while len(names) < n:
        name = "{}::{}{}::{}_{}{}".format(
            rng.choice(spaces), rng.choice(words), rng.randrange(100), rng.choice(verbs),
            rng.randrange(1000), rng.choice(args))
        if 50 <= len(name) <= 70 and name not in seen:
            seen.add(name)
            names.append(name)
    return names


def generate(path, stacks, seed=42):
    """Writes `stacks` unique folded stacks; returns (bytes, lines)."""
    rng = random.Random(seed)
    names = vocabulary(rng, 20000)
    comms = ["server-{}".format(1000 + i) for i in range(16)]
    # Fan-out per tree level below the process frame; the leaf levels take
    # whatever is left to reach `stacks`.
    fanouts = [6, 6, 4, 4, 4, 4]
    inner = len(comms)
    for f in fanouts:
        inner *= f
    leaf_fanout = max(1, -(-stacks // inner))  # ceil
    written = 0
    size = 0
    with open(path, "w", buffering=1 << 20) as out:
        def walk(prefix, level, node_seed):
            nonlocal written, size
            if written >= stacks:
                return
            if level == len(fanouts):
                # Leaves: a tail of 8-14 frames, unique per stack.
                for k in range(leaf_fanout):
                    if written >= stacks:
                        return
                    r = random.Random(node_seed * 7919 + k)
                    tail = ";".join(names[r.randrange(len(names))] for _ in range(r.randrange(8, 15)))
                    line = "{};{} {}\n".format(prefix, tail, r.randrange(1, 1000))
                    out.write(line)
                    size += len(line)
                    written += 1
                return
            r = random.Random(node_seed)
            kids = sorted({names[r.randrange(len(names))] for _ in range(fanouts[level])})
            for i, name in enumerate(kids):
                walk(prefix + ";" + name, level + 1, node_seed * 31 + i + 1)
        for i, comm in enumerate(comms):
            walk(comm + ";_start;__libc_start_main;main", 0, i + 1)
    return size, written


def perturb(src, dst, seed=7):
    """NEW for the diff: a fifth of the stacks reweighted, 1% dropped."""
    rng = random.Random(seed)
    with open(src) as f, open(dst, "w", buffering=1 << 20) as out:
        for line in f:
            x = rng.random()
            if x < 0.01:
                continue
            if x < 0.21:
                stack, w = line.rsplit(" ", 1)
                line = "{} {}\n".format(stack, int(int(w) * (0.2 + 3 * rng.random())) + 1)
            out.write(line)


def timed(argv, shell=False):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit("failed ({}): {}\n{}".format(code, argv, err.decode()[-2000:]))
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss": ru.ru_maxrss / 1024.0}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stacks", type=int, default=1000000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default="/tmp/xpu-report-bench")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--no-diff", action="store_true")
    ap.add_argument("--only", help="run only the tools whose name contains this")
    a = ap.parse_args()
    fg_dir = os.environ.get("FLAMEGRAPH_DIR", "/work/peers/FlameGraph")
    flamegraph = os.path.join(fg_dir, "flamegraph.pl")
    difffolded = os.path.join(fg_dir, "difffolded.pl")
    have_peers = os.access(flamegraph, os.X_OK) or os.path.exists(flamegraph)
    if not os.access(XPU, os.X_OK):
        sys.exit("build first: make build/xpu-perf")
    os.makedirs(a.dir, exist_ok=True)
    base = os.path.join(a.dir, "base-{}.folded".format(a.stacks))
    new = os.path.join(a.dir, "new-{}.folded".format(a.stacks))
    t = time.monotonic()
    if not os.path.exists(base):
        size, lines = generate(base, a.stacks)
    else:
        size, lines = os.path.getsize(base), a.stacks
    if not a.no_diff and not os.path.exists(new):
        perturb(base, new)
    print("input: {} ({:.0f} MB, {} unique stacks), generated in {:.0f} s".format(
        base, os.path.getsize(base) / 1e6, lines, time.monotonic() - t))
    load = os.getloadavg()
    print("load average before: {:.2f} {:.2f} {:.2f}; {} CPUs".format(*load, os.cpu_count()))
    if not have_peers:
        print("peers skipped: no flamegraph.pl in", fg_dir)

    svg = os.path.join(a.dir, "out.svg")
    tools = [
        ("xpu table", [XPU, "report", base], False),
        # The same stacks read twice: twice the lines, the same tree, so
        # the same memory (it follows distinct frames, not lines).
        ("xpu table, input twice", [XPU, "report", base, base], False),
        ("xpu svg", [XPU, "report", "--svg", svg, base], False),
    ]
    if have_peers:
        tools.append(("flamegraph.pl", "perl {} {} > {}".format(flamegraph, base, svg), True))
    if not a.no_diff:
        tools.append(("xpu diff svg", [XPU, "report", "--diff", "--svg", svg, base, new], False))
        tools.append(("xpu diff table", [XPU, "report", "--diff", base, new], False))
        if have_peers:
            tools.append(("difffolded.pl+flamegraph.pl", "perl {} {} {} | perl {} > {}".format(
                difffolded, base, new, flamegraph, svg), True))
    if a.only:
        tools = [t for t in tools if a.only in t[0]]
    results = {name: [] for name, _, _ in tools}
    for run in range(a.runs):
        order = tools if run % 2 == 0 else list(reversed(tools))
        for name, argv, shell in order:
            r = timed(argv, shell)
            results[name].append(r)
            print("  run {} {:<28} {:7.2f} s  {:7.0f} MB".format(run + 1, name, r["wall"], r["rss"]),
                  flush=True)
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

    def med(name, key):
        return statistics.median(r[key] for r in results[name])

    print()
    print("| tool | wall s | cpu s | peak RSS MB | speed-up |")
    print("|---|---:|---:|---:|---:|")
    peer_of = {"xpu table": "flamegraph.pl", "xpu svg": "flamegraph.pl",
               "xpu table, input twice": None,
               "xpu diff svg": "difffolded.pl+flamegraph.pl",
               "xpu diff table": "difffolded.pl+flamegraph.pl"}
    for name, _, _ in tools:
        peer = peer_of.get(name)
        speed = ""
        if peer in results:
            speed = "{:.1f}x".format(med(peer, "wall") / med(name, "wall"))
        print("| {} | {:.2f} | {:.2f} | {:.0f} | {} |".format(
            name, med(name, "wall"), med(name, "cpu"), med(name, "rss"), speed))
    print("\nmedians of {} runs; input {:.0f} MB, {} unique stacks".format(
        a.runs, os.path.getsize(base) / 1e6, lines))
    if not a.keep:
        shutil.rmtree(a.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
