#!/usr/bin/env python3
"""Issue 19's performance targets in one run: xpu-perf against perf on the
workloads users profile.

Each workload runs bare, under `xpu-perf record --cpu-only` and under
`perf record -g` (and `perf record --call-graph dwarf` where the workload has
no frame pointers), alternating the tools run by run, at 99 and 999 Hz, and a
table of medians is printed.

The profiler attaches with `-p` to a workload that waits for it (a shell that
reads a FIFO, then execs the workload), so the profiler's own costs are its
own: wait4 on the profiler gives its CPU time and peak RSS without the
workload's, and wait4 on the workload gives the workload's (the sampling
programs' time is charged to the sampled tasks, for both tools). Start-up is
measured apart (`record -- sh -c date`: from the launch to the command
running, and the whole run; see --startup; `-w ""` runs only that).

Columns:
  cpu-x      (workload CPU + profiler CPU) / bare workload CPU: the whole cost
             (perf: `perf script` and collapsing to folded stacks included)
  prof-cpu-s the profiler's own CPU seconds (perf: record + script + collapse)
  bpf-ns     xpu-perf's sampling program, run_time_ns / run_cnt (bpf_stats),
             read while it runs; runs on the idle CPU (which return at once)
             make it lower than the cost of a sample in the workload
  rss-MB     the profiler's peak RSS, by GNU time (perf: the larger of record and
             script)
  post-s     the workload's exit -> folded stacks on disk (perf: record's exit,
             `perf script`, collapsing)
  rooted-%   samples of the workload whose user stack reaches its root
             (_start, clone's child, Python's <module>) - how complete
  stacks     unique stacks of the workload

Workloads (what the issue names): cpu_split (C, frame pointers),
cpu_split_nofp (C, no frame pointers), xz -9 on 4 MB, sqlite3 (a recursive
query in memory), python3 (bench/python_split.py under Debian's python3.11)
and node with --perf-basic-prof (a JIT that appends to /tmp/perf-PID.map);
many_stacks -t 10 -j 2 at 999 Hz only (about 15,000 unique stacks).

Run as root on an otherwise idle machine:
  bench/targets.py [-r RUNS] [-F 99,999] [-w cpu_split,xz,...] [--startup N]
"""
import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import record_bench as rb

ROOT = rb.ROOT
PYTHON = "/usr/bin/python3.11"
STATS = "/proc/sys/kernel/bpf_stats_enabled"

NODE_JS = r"""
// Many small functions, created as the run goes, so the JIT keeps appending
// to its perf map while it is sampled.
let fns = [];
for (let i = 0; i < 400; i++)
  fns.push(new Function('x', `let s = 0; for (let j = 0; j < 200; j++) s += (x ^ j) % ${i + 7}; return s;`));
let total = 0;
const end = Date.now() + 2500;
for (let r = 0; Date.now() < end; r++) total += fns[r % fns.length](r);
console.log(total > 0 ? "done" : "zero");
"""

SQL = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 12000000) "
       "SELECT sum((x * x) % 7) FROM c;")


def workloads(tmp):
    ex = os.path.join(ROOT, "build", "examples")
    data = os.path.join(tmp, "xz.in")
    with open(data, "wb") as f:  # 4 MB of hex text, the same every run: about 3 s of xz -9
        rnd = random.Random(1)
        for _ in range(64):
            f.write(rnd.randbytes(1 << 15).hex().encode() + b"\n")
    js = os.path.join(tmp, "jit.js")
    with open(js, "w") as f:
        f.write(NODE_JS)
    return {
        "cpu_split": {"argv": [f"{ex}/cpu_split", "-n", "800"], "nofp": False},
        "cpu_split_nofp": {"argv": [f"{ex}/cpu_split_nofp", "-n", "800"], "nofp": True},
        "xz": {"argv": ["xz", "-9", "-T1", "-c", data], "nofp": True},
        "sqlite3": {"argv": ["sqlite3", ":memory:", SQL], "nofp": True},
        "python3": {"argv": [PYTHON, os.path.join(ROOT, "bench", "python_split.py"), "-n", "300"],
                    "nofp": False},
        "node": {"argv": ["node", "--perf-basic-prof", js], "nofp": False},
        # about 15,000 unique stacks at 999 Hz: memory and post-processing at scale
        "many_stacks": {"argv": [f"{ex}/many_stacks", "-t", "10", "-j", "2"], "nofp": False,
                        "freqs": [999]},
    }


TIME = "/usr/bin/time"


def under_time(argv, rss_file):
    """argv run by GNU time, which writes the command's peak RSS (KB) to
    rss_file (see record_bench.timed for why not wait4's ru_maxrss)."""
    return [TIME, "-f", "%M", "-o", rss_file] + argv


def rss_of(rss_file):
    return int(open(rss_file).read().split()[-1]) / 1024.0


class Poller(threading.Thread):
    """Reads the profiler's BPF statistics every 0.3 s while it runs; `pid`
    is GNU time's, the profiler its child."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.last, self.stop = pid, None, threading.Event()

    def run(self):
        child = None
        while not self.stop.wait(0.3):
            if child is None:
                try:
                    kids = open(f"/proc/{self.pid}/task/{self.pid}/children").read().split()
                    child = int(kids[0]) if kids else None
                except OSError:
                    pass
                continue
            s = rb.sampler_stats(child)
            if s:
                self.last = s


def rooted_share(stacks, comm_roots=("_start", "__libc_start_main", "__libc_start_main_impl",
                                      "__libc_start_call_main", "clone3", "start_thread",
                                      "__clone3")):
    """% of samples whose stack holds a root frame (or Python's <module>)."""
    total = rooted = 0.0
    for stack, w in stacks.items():
        frames = [f for f in stack.split(";") if not f.endswith("_[k]")]
        total += w
        if any(f.split("@")[0] in comm_roots or f.startswith("<module>") or f.startswith("_start")
               for f in frames):
            rooted += w
    return 100 * rooted / total if total else None


def attach_run(tool, wl, freq, tmp):
    """Runs the workload behind a FIFO, attaches `tool` to it, releases it."""
    fifo = os.path.join(tmp, "go")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    work = subprocess.Popen(["sh", "-c", f'read x < "{fifo}"; exec "$@"', "sh"] + wl["argv"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp)
    prof = poller = None
    out = os.path.join(tmp, "out.folded")
    data = os.path.join(tmp, "perf.data")
    rss_file = os.path.join(tmp, "rss")
    if tool == "xpu-perf":
        prof = subprocess.Popen(under_time([rb.XPU, "record", "--cpu-only", "-F", str(freq), "-o",
                                            out, "-p", str(work.pid)], rss_file),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        poller = Poller(prof.pid)
        poller.start()
    elif tool.startswith("perf"):
        graph = ["--call-graph", "dwarf"] if tool.endswith("dwarf") else ["-g"]
        prof = subprocess.Popen(under_time(["perf", "record", "-q", "-e", "cpu-clock", "-F",
                                            str(freq)] + graph + ["-o", data, "-p", str(work.pid)],
                                           rss_file),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if prof:
        time.sleep(1.5)  # both tools attach well within this here
    with open(fifo, "w") as f:
        f.write("go\n")
    _, status, wru = os.wait4(work.pid, 0)
    exit_ns = time.monotonic_ns()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"workload failed: {wl['argv']}\n{work.stderr.read().decode()[-1000:]}")
    r = {"work_cpu": wru.ru_utime + wru.ru_stime, "prof_cpu": 0.0, "rss": None,
         "post": None, "bpf": None, "rooted": None, "stacks": None}
    if not prof:
        return r
    err = prof.stderr.read()
    _, status, pru = os.wait4(prof.pid, 0)
    done_ns = time.monotonic_ns()
    if poller:
        poller.stop.set()
        poller.join()
        if poller.last and poller.last[1]:
            r["bpf"] = poller.last[0] / poller.last[1]
    r["prof_cpu"] = pru.ru_utime + pru.ru_stime
    r["rss"] = rss_of(rss_file)
    if tool == "xpu-perf":
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"xpu-perf failed:\n{err.decode()[-2000:]}")
        r["post"] = (done_ns - exit_ns) / 1e9
        stacks = rb.folded_stacks(open(out).read())
    else:
        s = rb.timed(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"])
        t0 = time.monotonic()
        c0 = time.process_time()
        stacks = rb.collapse_perf_script(s["out"])
        collapse_cpu = time.process_time() - c0
        r["post"] = (done_ns - exit_ns) / 1e9 + s["wall"] + (time.monotonic() - t0)
        r["prof_cpu"] += s["cpu"] + collapse_cpu
        r["rss"] = max(r["rss"], s["rss_mb"])
    comm = os.path.basename(wl["argv"][0])
    mine = {k: v for k, v in stacks.items() if k.split(";")[0].startswith(comm[:15])}
    r["rooted"] = rooted_share(mine or stacks)
    r["stacks"] = len(mine or stacks)
    return r


def startup(n, tmp):
    """Medians of `record -- sh -c date`: seconds from launching record to
    the command running (date's realtime clock against ours at the launch),
    the whole run's wall seconds, and peak RSS."""
    starts, walls, rss = [], [], []
    for _ in range(n):
        launch_ns = time.time_ns()
        t = rb.timed([rb.XPU, "record", "--cpu-only", "-o", os.path.join(tmp, "t.folded"), "--",
                      "sh", "-c", "date +start_ns=%s%N"])
        m = re.search(r"start_ns=(\d+)", t["out"])
        if m:
            starts.append((int(m.group(1)) - launch_ns) / 1e9)
        walls.append(t["wall"])
        rss.append(t["rss_mb"])
    return rb.median(starts), rb.median(walls), rb.median(rss)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-r", "--runs", type=int, default=5)
    ap.add_argument("-F", "--freqs", default="99,999")
    ap.add_argument("-w", "--workloads",
                    default="cpu_split,cpu_split_nofp,xz,sqlite3,python3,node,many_stacks")
    ap.add_argument("--startup", type=int, default=10, help="runs of `record -- true` (0: none)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root")
    if not os.access(TIME, os.X_OK):
        sys.exit(f"{TIME} (Debian's time) measures peak RSS: apt-get install time")
    have_perf = shutil.which("perf") is not None
    old_stats = open(STATS).read().strip()
    with open(STATS, "w") as f:
        f.write("1\n")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wls = workloads(tmp)
            print(f"load average at start: {os.getloadavg()[0]:.2f}")
            print("| workload | Hz | tool | cpu-x | prof-cpu-s | bpf-ns | rss-MB | post-s | rooted-% | stacks |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            for name in filter(None, args.workloads.split(",")):
                wl = wls[name]
                if not shutil.which(wl["argv"][0]) and not os.path.exists(wl["argv"][0]):
                    print(f"| {name} | | SKIP: {wl['argv'][0]} not installed | | | | | | | |")
                    continue
                tools = ["bare", "xpu-perf"] + (["perf -g"] if have_perf else [])
                if wl["nofp"] and have_perf:
                    tools.append("perf dwarf")
                for freq in wl.get("freqs") or [int(x) for x in args.freqs.split(",")]:
                    res = {t: [] for t in tools}
                    for _ in range(args.runs):
                        for t in tools:  # alternating, run by run
                            res[t].append(attach_run(t, wl, freq, tmp))
                    bare = rb.median(r["work_cpu"] for r in res["bare"])
                    for t in tools[1:]:
                        rs = res[t]
                        med = rb.median
                        cpu_x = med((r["work_cpu"] + r["prof_cpu"]) / bare for r in rs)
                        print(f"| {name} | {freq} | {t} | {cpu_x:.3f} | "
                              f"{med(r['prof_cpu'] for r in rs):.3f} | "
                              f"{rb.fmt(med(r['bpf'] for r in rs if r['bpf']) if any(r['bpf'] for r in rs) else None, ',.0f')} | "
                              f"{med(r['rss'] for r in rs):.1f} | {med(r['post'] for r in rs):.3f} | "
                              f"{rb.fmt(med(r['rooted'] for r in rs if r['rooted'] is not None) if any(r['rooted'] is not None for r in rs) else None, '.1f')} | "
                              f"{med(r['stacks'] for r in rs):,.0f} |",
                              flush=True)
            if args.startup:
                start, wall, rss = startup(args.startup, tmp)
                print(f"\n`record --cpu-only -- sh -c date`: start-up {start:.3f} s (launch to the command"
                      f" running), whole run {wall:.3f} s, peak RSS {rss:.1f} MB")
            print(f"load average at end: {os.getloadavg()[0]:.2f}")
    finally:
        with open(STATS, "w") as f:
            f.write(old_stats + "\n")


if __name__ == "__main__":
    main()
