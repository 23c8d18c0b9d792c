#!/usr/bin/env python3
"""What xpu-perf's network layer (record --net) adds per socket call.

examples/net_traffic -b ROUNDS runs a request/response loop over loopback
TCP: the client sends a REQ-byte request, the server thread answers with a
REQ-byte reply, so each round is four socket calls (two sends, two
receives), each one a run of the network programs (a user-stack walk and a
map update) under --net. The loop runs bare, under `record` without the
layer, and under `record --net` with each stack walker, alternating run by
run; the table shows medians:

  us/round      the loop's own time per round (the program's clock)
  ns/call       (us/round - the same under record without --net) / 4:
                what the layer adds to each socket call
  cpu-us/round  CPU time of the program and xpu-perf together per round
                (the BPF programs run in the program's context)

Off-CPU time and the GPU layer are off in every profiled run (both would
add their own per-switch cost); sampling stays at 99 Hz.

The loop's times are noisy on a small VM; the programs' own cost is then
measured directly as well: with kernel.bpf_stats_enabled=1, a long loop
runs under record --net (each walker) while `bpftool prog show` reads each
network program's run time and run count: ns per run.

Run as root on an otherwise idle machine:  sudo bench/net_bench.py
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
XPU = os.path.join(BUILD, "xpu-perf")
TRAFFIC = os.path.join(BUILD, "examples", "net_traffic")
CALLS_PER_ROUND = 4


def run_timed(argv):
    """Runs argv; returns (the loop's seconds, CPU s of it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(argv)}\n{p.stderr}")
    m = re.search(r"seconds=([0-9.]+)", p.stdout)
    if not m:
        sys.exit(f"no seconds= in the output of {' '.join(argv)}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(m.group(1)), cpu


def program_costs(work, record, seconds=3.0):
    """ns per run of each network program, from the kernel's BPF stats."""
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        old = f.read().strip()
    rows = {}
    try:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write("1")
        for walker in ("auto", "fp"):
            argv = record + ["--net", "--call-graph", walker, "--"] + work
            p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(seconds)
            show = subprocess.run(["bpftool", "-j", "prog", "show"], stdout=subprocess.PIPE,
                                  text=True)
            p.wait()
            for prog in json.loads(show.stdout or "[]"):
                name = prog.get("name", "")
                if name in ("on_sock_send", "on_sock_recv") and prog.get("run_cnt"):
                    rows[(walker, name)] = (prog["run_time_ns"] / prog["run_cnt"],
                                            prog["run_cnt"])
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write(old)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=50000)
    ap.add_argument("--req", type=int, default=64, help="request and reply bytes")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (record loads BPF programs)")
    for path in (XPU, TRAFFIC):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} is missing: run make first")
    out = tempfile.mkdtemp(prefix="xpu-net-bench-")
    work = [TRAFFIC, "-b", str(args.rounds), "-q", str(args.req)]
    record = [XPU, "record", "--no-off-cpu", "--no-gpu", "-o", os.path.join(out, "p.folded")]
    modes = [
        ("bare", work),
        ("record (no --net)", record + ["--"] + work),
        ("record --net", record + ["--net", "--"] + work),
        ("record --net --call-graph fp", record + ["--net", "--call-graph", "fp", "--"] + work),
    ]
    loop = {name: [] for name, _ in modes}
    cpu = {name: [] for name, _ in modes}
    for _ in range(args.runs):
        for name, argv in modes:  # alternating: drift hits every mode alike
            s, c = run_timed(argv)
            loop[name].append(s)
            cpu[name].append(c)
    per_round = {n: statistics.median(v) / args.rounds * 1e6 for n, v in loop.items()}
    base = per_round["record (no --net)"]
    print(f"net_traffic -b {args.rounds} -q {args.req}: {CALLS_PER_ROUND} socket calls a round, "
          f"{args.runs} runs each, medians")
    print(f"{'mode':<30} {'us/round':>9} {'min-max':>13} {'ns/call':>8} {'cpu-us/round':>13}")
    for name, _ in modes:
        lo, hi = min(loop[name]), max(loop[name])
        added = "-"
        if "--net" in name:
            added = f"{(per_round[name] - base) * 1000 / CALLS_PER_ROUND:.0f}"
        print(f"{name:<30} {per_round[name]:>9.2f} "
              f"{lo / args.rounds * 1e6:>6.2f}-{hi / args.rounds * 1e6:<6.2f} {added:>8} "
              f"{statistics.median(cpu[name]) / args.rounds * 1e6:>13.2f}")
    long_work = [TRAFFIC, "-b", str(args.rounds * 20), "-q", str(args.req)]
    costs = program_costs(long_work, record)
    if costs:
        print("\nBPF program cost (kernel.bpf_stats_enabled), ns per run:")
        print(f"{'walker':<8} {'program':<14} {'ns/run':>8} {'runs':>9}")
        for (walker, name), (ns, runs) in sorted(costs.items()):
            print(f"{walker:<8} {name:<14} {ns:>8.0f} {runs:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
