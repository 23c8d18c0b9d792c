#!/usr/bin/env python3
"""Benchmark stack unwinding without frame pointers, in one session.

The same work bare, under xpu-perf (--call-graph fp and auto, on-CPU only)
and under perf record (-g and --call-graph dwarf), alternating tools run by
run, at 99 and 999 Hz; medians of:

  overhead   the workload's own start-to-end time / bare
  cpu-s      CPU seconds of profiler + workload (perf: + perf script) / bare
  post-s     end of the work -> folded stacks on disk
  bytes      written (perf: perf.data + folded)
  rooted     share of the workload's samples whose stack reaches a root
             (_start, a thread start; glibc's __libc_start_call_main with
             frame pointers), by weight

Workloads, both without frame pointers:
  cpu_split_nofp -n ROUNDS        examples/cpu_split built -fomit-frame-pointer
  xz -9 -T1 (Debian's, no frame pointers) compressing generated text

--cost measures only what a sample costs in the kernel (bpf_stats), with
--call-graph auto (tables) and fp, on cpu_split_nofp, on cpu_split (the
same built with frame pointers: what fp costs where it works) and on
python3.11 running bench/python_split.py (30 Python frames deep), at
--freqs:

  ns/sample  the sampling program's run_time_ns / the workload's samples
             (runs on the other CPU, for other processes, count in the
             time: what sampling this workload costs the machine)
  ns/run     run_time_ns / run_cnt (all runs, the other CPU's included)
  samples    the workload's samples (the folded output's total)

The workload runs under `sh -c 'WORKLOAD; echo held; read < FIFO'` so the
statistics are read while the program is still loaded. --xpu (repeatable)
compares builds: copies of build/xpu-perf, alternated run by run.

Run as root on an otherwise idle machine:  sudo bench/unwind_bench.py
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

import record_bench as rb

ROOT = rb.ROOT
CPU_SPLIT_NOFP = os.path.join(ROOT, "build", "examples", "cpu_split_nofp")
TIMED = os.path.join(ROOT, "bench", "timed.py")
PYTHON_SPLIT = os.path.join(ROOT, "bench", "python_split.py")
STATS = "/proc/sys/kernel/bpf_stats_enabled"
ROOTS = {"_start", "__libc_start_main", "__libc_start_call_main", "start_thread", "clone",
         "__clone", "clone3", "__clone3"}


def rooted_share(stacks, comm):
    """Weight share of `comm`'s stacks with user frames that reach a root."""
    rooted = total = 0.0
    for stack, w in stacks.items():
        frames = stack.split(";")
        if frames[0] != comm or len(frames) < 2:
            continue
        first = frames[1]
        if first.endswith("_[k]") or first.startswith("[off-cpu") or \
                first.startswith("[Missed"):
            continue  # no user frames
        total += w
        # A stripped binary's _start has no name: then the root is the
        # binary's own frame right below __libc_start_main.
        stripped_start = first == f"[{comm}]" and len(frames) > 2 and \
            frames[2].startswith("__libc_start_main")
        if first.split("@")[0] in ROOTS or stripped_start:
            rooted += w
    return 100 * rooted / total if total else None


class Xpu(rb.Tool):
    def __init__(self, call_graph):
        self.name = f"xpu-perf {call_graph}"
        self.call_graph = call_graph

    def record(self, workload, freq, tmp):
        out = os.path.join(tmp, "xpu.folded")
        r = rb.timed([rb.XPU, "record", "--cpu-only", "--call-graph", self.call_graph, "-F",
                      str(freq), "-o", out, "--"] + workload)
        end = rb.end_ns_of(r["out"])
        return {"out": r["out"], "cpu": r["cpu"], "post": (r["done_ns"] - end) / 1e9,
                "bytes": os.path.getsize(out), "stacks": rb.folded_stacks(open(out).read())}


class PerfCg(rb.Tool):
    def __init__(self, call_graph):
        self.name = "perf " + ("-g" if call_graph == "fp" else "--call-graph " + call_graph)
        self.flags = ["-g"] if call_graph == "fp" else ["--call-graph", call_graph]

    def available(self):
        return shutil.which("perf") is not None

    def record(self, workload, freq, tmp):
        data = os.path.join(tmp, "perf.data")
        r = rb.timed(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(freq)] +
                     self.flags + ["-o", data, "--"] + workload)
        end = rb.end_ns_of(r["out"])
        s = rb.timed(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"])
        stacks = rb.collapse_perf_script(s["out"])
        return {"out": r["out"], "cpu": r["cpu"] + s["cpu"],
                "post": (s["done_ns"] - end) / 1e9,
                "bytes": os.path.getsize(data) + len(rb.fold_text(stacks)), "stacks": stacks}


class BareRun(rb.Tool):
    name = "bare"

    def record(self, workload, freq, tmp):
        r = rb.timed(workload)
        return {"out": r["out"], "cpu": r["cpu"], "post": None, "bytes": None, "stacks": None}


def bench(title, workload, comm, tools, freqs, runs):
    print(f"\n{title}")
    print("| Hz | tool | overhead | noise-% | cpu-s | post-s | bytes | rooted-% |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="xpu-unwind-") as tmp:
        for freq in freqs:
            res = {t.name: [] for t in tools}
            for i in range(runs):
                for t in tools[i % len(tools):] + tools[:i % len(tools)]:
                    res[t.name].append(t.record(workload, freq, tmp))
            bare_work = rb.median(rb.work_s(r["out"]) for r in res["bare"])
            bare_cpu = rb.median(r["cpu"] for r in res["bare"])
            for t in tools:
                rs = res[t.name]
                ratios = [rb.work_s(r["out"]) / bare_work for r in rs]
                rooted = rb.median(rooted_share(r["stacks"], comm) if r["stacks"] else None
                                   for r in rs)
                print(f"| {freq} | {t.name} | {rb.median(ratios):.3f} | "
                      f"{100 * statistics.stdev(ratios) if len(ratios) > 1 else 0:.1f} | "
                      f"{rb.median(r['cpu'] for r in rs) / bare_cpu:.3f} | "
                      f"{rb.fmt(rb.median(r['post'] for r in rs), '.3f')} | "
                      f"{rb.fmt(rb.median(r['bytes'] for r in rs), ',.0f')} | "
                      f"{rb.fmt(rooted, '.1f')} |", flush=True)


def sample_cost(xpu, call_graph, freq, workload, tmp):
    """{ns_sample, ns_run, samples} of one record of `workload`, held after
    its work until the sampling program's statistics are read."""
    fifo = os.path.join(tmp, "hold")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    out = os.path.join(tmp, "cost.folded")
    held = ["sh", "-c", '"$@"; echo held; read _ < ' + fifo, "sh"] + workload
    p = subprocess.Popen([xpu, "record", "--cpu-only", "--call-graph", call_graph, "-F",
                          str(freq), "-o", out, "--"] + held,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stats = None
    for line in p.stdout:
        if line.strip() == "held":
            stats = rb.sampler_stats(p.pid)
            break
    with open(fifo, "w") as f:
        f.write("go\n")
    p.stdout.read()
    err = p.stderr.read()
    if p.wait() != 0 or not stats:
        sys.exit(f"failed: {xpu} {call_graph}\n{err[-2000:]}")
    samples = sum(rb.folded_stacks(open(out).read()).values())
    return {"ns_sample": stats[0] / samples if samples else None,
            "ns_run": stats[0] / stats[1] if stats[1] else None, "samples": samples}


def cost_bench(xpus, freqs, runs, rounds, py_rounds):
    python = shutil.which("python3.11")
    workloads = [("cpu_split_nofp", [CPU_SPLIT_NOFP, "-n", str(rounds)]),
                 ("cpu_split (frame pointers)", [rb.CPU_SPLIT, "-n", str(rounds)])]
    if python:
        workloads.append(("python3.11 python_split.py",
                          [python, PYTHON_SPLIT, "-n", str(py_rounds)]))
    old = open(STATS).read().strip()
    with open(STATS, "w") as f:
        f.write("1")
    try:
        with tempfile.TemporaryDirectory(prefix="xpu-cost-") as tmp:
            for title, workload in workloads:
                print(f"\nsampling program cost: {title}")
                print("| Hz | build | call-graph | ns/sample | ns/run | samples |")
                print("|---|---|---|---|---|---|")
                for freq in freqs:
                    combos = [(x, cg) for cg in ("auto", "fp") for x in xpus]
                    res = {c: [] for c in combos}
                    for i in range(runs):
                        for c in combos[i % len(combos):] + combos[:i % len(combos)]:
                            res[c].append(sample_cost(c[0], c[1], freq, workload, tmp))
                    for c in combos:
                        rs = res[c]
                        print(f"| {freq} | {c[0]} | {c[1]} | "
                              f"{rb.fmt(rb.median(r['ns_sample'] for r in rs), ',.0f')} | "
                              f"{rb.fmt(rb.median(r['ns_run'] for r in rs), ',.0f')} | "
                              f"{rb.fmt(rb.median(r['samples'] for r in rs), ',.0f')} |",
                              flush=True)
    finally:
        with open(STATS, "w") as f:
            f.write(old)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--freqs", default="99,999")
    ap.add_argument("--rounds", type=int, default=1500)
    ap.add_argument("--xz-mb", type=int, default=12, help="input size for xz")
    ap.add_argument("--cost", action="store_true",
                    help="only the sampling program's cost per sample (bpf_stats)")
    ap.add_argument("--xpu", action="append",
                    help="with --cost: an xpu-perf binary to compare (repeatable)")
    ap.add_argument("--py-rounds", type=int, default=150, help="with --cost: python_split -n")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (BPF and perf need it)")
    if args.cost:
        print(f"# {os.uname().release}, {os.cpu_count()} CPUs; {args.runs} runs each, medians; "
              f"load average {os.getloadavg()[0]:.2f} at start")
        cost_bench(args.xpu or [rb.XPU], [int(f) for f in args.freqs.split(",")], args.runs,
                   args.rounds, args.py_rounds)
        return
    xz = shutil.which("xz")
    tools = [BareRun(), Xpu("fp"), Xpu("auto"), PerfCg("fp"), PerfCg("dwarf")]
    tools = [t for t in tools if t.available()]
    freqs = [int(f) for f in args.freqs.split(",")]
    print(f"# {os.uname().release}, {os.cpu_count()} CPUs; {args.runs} runs each, medians")
    bench(f"cpu_split_nofp -n {args.rounds} (no frame pointers anywhere)",
          [CPU_SPLIT_NOFP, "-n", str(args.rounds)], "cpu_split_nofp", tools, freqs, args.runs)
    if xz:
        with tempfile.TemporaryDirectory(prefix="xpu-xz-") as d:
            data = os.path.join(d, "input.txt")
            with open(data, "wb") as f:  # compressible, but not trivially
                rnd = open("/dev/urandom", "rb")
                while f.tell() < args.xz_mb << 20:
                    f.write(rnd.read(3 << 16).hex().encode() + b"\n")
            bench(f"xz -9 -T1 on {args.xz_mb} MB (Debian's xz: no frame pointers)",
                  [TIMED, xz, "-9", "-T1", "-c", data], "xz", tools, freqs, args.runs)


if __name__ == "__main__":
    main()
