#!/usr/bin/env python3
"""Benchmark `xpu-perf top` against `perf top`: the profiler's own CPU use
while it watches a busy machine, in one session.

Each tool runs system-wide (-a) at the same frequency with a 1 s refresh,
on a real terminal (a tmux pane, since perf top needs one), for --seconds,
while two workloads keep both CPUs busy: cpu_split (few stacks) and
many_stacks (thousands of unique stacks, so each refresh has new stacks to
read and symbolize). Tools alternate run by run; the table shows medians:

  cpu-%      the tool's CPU time (user + system, all threads, from
             /proc/PID/stat) / wall time, in percent of one core
  rss-MB     its resident set at the end

The BPF programs' own run time is kernel time charged to the sampled
tasks, not to the tool; `kernel.bpf_stats_enabled` measures it separately
(see README, Performance).

Run as root on an otherwise idle machine:  sudo bench/top_bench.py
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

from record_bench import CPU_SPLIT, MANY, XPU, proc_cpu_rss


def pane_pid(session):
    out = subprocess.run(["tmux", "display", "-p", "-t", session, "#{pane_pid}"],
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip())


def run_in_tmux(argv, seconds):
    """Starts argv in a detached tmux pane, lets it warm up for 2 s, then
    measures its CPU time over `seconds`; returns (cpu %, rss MB)."""
    session = f"xpu-top-bench-{os.getpid()}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "45",
                    "exec " + " ".join(argv)], check=True)
    try:
        pid = pane_pid(session)
        time.sleep(2)  # start-up (BPF loading, kallsyms) is not the steady state
        c0, _ = proc_cpu_rss(pid)
        t0 = time.monotonic()
        time.sleep(seconds)
        c1, rss = proc_cpu_rss(pid)
        wall = time.monotonic() - t0
        return 100 * (c1 - c0) / wall, rss
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        time.sleep(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--freq", type=int, default=99)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (BPF and perf events)")
    for tool in ("tmux",):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed")
    f = str(args.freq)
    tools = {
        "xpu-perf top": [XPU, "top", "-a", "-F", f, "-d", "1"],
        "xpu-perf top --off-cpu": [XPU, "top", "-a", "--off-cpu", "-F", f, "-d", "1"],
    }
    if shutil.which("perf"):
        tools["perf top"] = ["perf", "top", "-F", f, "-e", "cpu-clock", "-d", "1"]
        tools["perf top -g"] = ["perf", "top", "-g", "-F", f, "-e", "cpu-clock", "-d", "1"]
    load = [subprocess.Popen([CPU_SPLIT, "-n", "100000000"], stdout=subprocess.DEVNULL),
            subprocess.Popen([MANY, "-t", "100000", "-j", "1"], stdout=subprocess.DEVNULL)]
    results = {name: [] for name in tools}
    try:
        time.sleep(1)
        for run in range(args.runs):
            for name, argv in tools.items():
                results[name].append(run_in_tmux(argv, args.seconds))
                print(f"run {run + 1}: {name}: {results[name][-1][0]:.2f}% CPU",
                      file=sys.stderr)
    finally:
        for p in load:
            p.kill()
            p.wait()
    uname = os.uname()
    print(f"# {uname.release}, {os.cpu_count()} CPUs; {args.runs} runs of {args.seconds:.0f} s "
          f"each at {args.freq} Hz, -a, 1 s refresh; load: cpu_split + many_stacks")
    print()
    print("| tool | cpu-% of one core (median) | min | max | rss-MB |")
    print("|---|---|---|---|---|")
    for name, rs in results.items():
        cpus = [r[0] for r in rs]
        print(f"| {name} | {statistics.median(cpus):.2f} | {min(cpus):.2f} | {max(cpus):.2f} "
              f"| {statistics.median(r[1] for r in rs):.1f} |")


if __name__ == "__main__":
    main()
