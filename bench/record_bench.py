#!/usr/bin/env python3
"""Benchmark `xpu-perf record` against its peers, in one session.

Runs the same workloads bare, under `xpu-perf record`, under `perf record -g`
(and under bcc's libbpf-tools `profile` when one is found), alternating the
tools run by run, at each frequency, and prints a table of medians:

  overhead   how long the workload's fixed work took / the same work bare
             (its own start-to-end clock: the cost while sampling)
  noise      standard deviation of that ratio across runs, in percent: on a
             small VM it is often larger than the differences between tools
  cpu-s      CPU seconds of the whole run (profiler + workload) / bare
  start-s    profiler launched -> workload running (attach cost)
  post-s     end of the work -> folded stacks on disk (perf: record exit +
             `perf script` + collapsing)
  bytes      what the profiler wrote (perf: perf.data + folded)
  rss-MB     peak resident set of the profiler (perf: max of record, script)
  err-pt     ground truth: largest |share - measured share| of cpu_split's
             burn_60/burn_30/burn_10, in percentage points

Workloads (examples/, built by `make`):
  cpu_split -n ROUNDS   fixed work, 60/30/10 split measured by the workload
  many_stacks -t 10 -j 2  ~10k unique stacks: post-processing cost
  pingpong -c 0 -n ROUNDS  two threads on one CPU over pipes: the
                        context-switch worst case
                        for off-CPU tracing (vs bcc's offcputime)

Run as root on an otherwise idle machine:  sudo bench/record_bench.py
"""
import argparse
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
XPU = os.path.join(ROOT, "build", "xpu-perf")
CPU_SPLIT = os.path.join(ROOT, "build", "examples", "cpu_split")
MANY = os.path.join(ROOT, "build", "examples", "many_stacks")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
PINGPONG = os.path.join(ROOT, "build", "examples", "pingpong")
BURNS = ("burn_60", "burn_30", "burn_10")


def proc_cpu_rss(pid):
    """A live process's CPU seconds (user + system, all its threads) and
    resident MB (MiB), from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLK_TCK, int(fields[21]) * PAGE / 2**20


def sampler_stats(pid):
    """(run_time_ns, run_cnt) of the perf_event (sampling) program that
    process `pid` holds, found through its fds' fdinfo and bpftool; None
    if it holds none. Needs kernel.bpf_stats_enabled=1 for nonzero times."""
    for info in glob.glob(f"/proc/{pid}/fdinfo/*"):
        try:
            ids = [int(l.split()[1]) for l in open(info) if l.startswith("prog_id:")]
        except OSError:
            continue
        for i in ids:
            out = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(i)],
                                 capture_output=True, text=True).stdout
            p = json.loads(out or "{}")
            if p.get("type") == "perf_event" and "run_cnt" in p:
                return p["run_time_ns"], p["run_cnt"]
    return None


GNU_TIME = "/usr/bin/time"


def timed(argv, stdout=subprocess.PIPE):
    """Runs argv with its own rusage (wait4) and returns a dict of results.

    Peak RSS comes from GNU time where it is installed: wait4's ru_maxrss
    for a child forked from this script starts at the script's own RSS
    (which grows as it parses perf script's output) and keeps it across
    exec, so a small profiler would read as large as the script."""
    rss_file = None
    if os.access(GNU_TIME, os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="xpu-rss-")
        os.close(fd)
        argv = [GNU_TIME, "-f", "%M", "-o", rss_file] + list(argv)
    t0 = time.monotonic()
    launch_ns = time.monotonic_ns()
    p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
    # Read pipes fully before reaping so a chatty child never blocks.
    out = p.stdout.read() if p.stdout else b""
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    done_ns = time.monotonic_ns()
    wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"failed ({code}): {' '.join(argv)}\n{err.decode()[-2000:]}")
    rss_kb = ru.ru_maxrss
    if rss_file:
        with open(rss_file) as f:
            rss_kb = int(f.read().split()[-1])
        os.unlink(rss_file)
    return {
        "wall": wall,
        "cpu": ru.ru_utime + ru.ru_stime,
        "rss_mb": rss_kb / 1024.0,
        "out": out.decode(errors="replace"),
        "err": err.decode(errors="replace"),
        "done_ns": done_ns,
        "launch_ns": launch_ns,
    }


def end_ns_of(text):
    m = re.search(r"end_ns=(\d+)", text)
    return int(m.group(1)) if m else None


def start_ns_of(text):
    m = re.search(r"start_ns=(\d+)", text)
    return int(m.group(1)) if m else None


def work_s(text):
    s, e = start_ns_of(text), end_ns_of(text)
    return (e - s) / 1e9 if s and e else None


def truth_of(text):
    m = re.search(r"burn_60=([\d.]+) burn_30=([\d.]+) burn_10=([\d.]+)", text)
    return [float(x) for x in m.groups()] if m else None


def folded_stacks(text):
    stacks = {}
    for line in text.splitlines():
        m = re.match(r"^(.*\S)\s+(\d+(?:\.\d*)?)$", line)
        if m:
            stacks[m.group(1)] = stacks.get(m.group(1), 0) + float(m.group(2))
    return stacks


def truth_error(stacks, truth):
    if not truth:
        return None
    w = [sum(v for k, v in stacks.items() if b in k.split(";")) for b in BURNS]
    total = sum(w)
    if total == 0:
        return None
    return max(abs(100 * w[i] / total - truth[i]) for i in range(3))


def collapse_perf_script(text):
    """perf script output -> folded stacks (comm;root..leaf count)."""
    stacks = {}
    comm, frames = None, []

    def flush():
        if comm is not None:
            key = ";".join([comm] + frames[::-1])
            stacks[key] = stacks.get(key, 0) + 1

    for line in text.splitlines():
        if not line.strip():
            flush()
            comm, frames = None, []
        elif not line[0].isspace():
            comm = line.split()[0]
            frames = []
        else:
            parts = line.strip().split(None, 1)
            sym = parts[1] if len(parts) > 1 else "[unknown]"
            sym = re.sub(r"\+0x[0-9a-f]+", "", sym)
            m = re.match(r"^(.*) \((.*)\)$", sym)
            name, dso = (m.group(1), m.group(2)) if m else (sym, "")
            if name == "[unknown]" and dso and dso != "[unknown]":
                name = "[" + os.path.basename(dso) + "]"
            if dso.startswith("[kernel"):
                name += "_[k]"
            frames.append(name.replace(";", ":"))
    flush()
    return stacks


def fold_text(stacks):
    return "".join(f"{k} {int(v)}\n" for k, v in sorted(stacks.items()))


class Tool:
    name = ""

    def available(self):
        return True


class Bare(Tool):
    name = "bare"

    def record(self, workload, freq, tmp):
        r = timed(workload)
        return {"wall": r["wall"], "cpu": r["cpu"], "post": 0.0, "bytes": 0, "start": None,
                "rss_mb": r["rss_mb"], "out": r["out"], "stacks": None}


class XpuPerf(Tool):
    def __init__(self, name="xpu-perf", flags=()):
        self.name = name
        self.flags = list(flags)

    def record(self, workload, freq, tmp):
        out = os.path.join(tmp, "xpu.folded")
        r = timed([XPU, "record", "-F", str(freq), "-o", out] + self.flags + ["--"] + workload)
        end = end_ns_of(r["out"])
        stacks = folded_stacks(open(out).read())
        return {"wall": r["wall"], "cpu": r["cpu"],
                "post": (r["done_ns"] - end) / 1e9 if end else None,
                "start": (start_ns_of(r["out"]) - r["launch_ns"]) / 1e9,
                "bytes": os.path.getsize(out), "rss_mb": r["rss_mb"], "out": r["out"],
                "stacks": stacks}


class Perf(Tool):
    name = "perf -g"

    def available(self):
        return shutil.which("perf") is not None

    def record(self, workload, freq, tmp):
        data = os.path.join(tmp, "perf.data")
        r = timed(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(freq), "-g",
                   "-o", data, "--"] + workload)
        end = end_ns_of(r["out"])
        t0 = time.monotonic()
        s = timed(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"])
        stacks = collapse_perf_script(s["out"])
        folded = os.path.join(tmp, "perf.folded")
        with open(folded, "w") as f:
            f.write(fold_text(stacks))
        post_tail = time.monotonic() - t0
        return {"wall": r["wall"], "cpu": r["cpu"] + s["cpu"],
                "post": (r["done_ns"] - end) / 1e9 + post_tail if end else None,
                "start": (start_ns_of(r["out"]) - r["launch_ns"]) / 1e9,
                "bytes": os.path.getsize(data) + os.path.getsize(folded),
                "rss_mb": max(r["rss_mb"], s["rss_mb"]), "out": r["out"], "stacks": stacks}


class BccProfile(Tool):
    """libbpf-tools `profile` (folded with -f), when installed."""
    name = "bcc profile"

    def __init__(self):
        self.path = os.environ.get("BCC_PROFILE") or shutil.which("profile") or \
            shutil.which("profile-bpfcc")

    def available(self):
        return self.path is not None

    def argv(self, freq, pid):
        return [self.path, "-f", "-F", str(freq), "-p", str(pid)]

    def record(self, workload, freq, tmp):
        # These tools cannot launch a command: start the workload, attach.
        t0 = time.monotonic()
        launch = time.monotonic_ns()
        w = subprocess.Popen(workload, stdout=subprocess.PIPE)
        prof = subprocess.Popen(self.argv(freq, w.pid),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wout = w.stdout.read().decode()
        _, wstatus, wru = os.wait4(w.pid, 0)
        wall = time.monotonic() - t0
        prof.send_signal(2)
        pout = prof.stdout.read()
        _, _, pru = os.wait4(prof.pid, 0)
        done = time.monotonic_ns()
        end = end_ns_of(wout)
        stacks = folded_stacks(pout.decode(errors="replace"))
        return {"wall": wall, "cpu": wru.ru_utime + wru.ru_stime + pru.ru_utime + pru.ru_stime,
                "post": (done - end) / 1e9 if end else None, "bytes": len(pout),
                "start": (start_ns_of(wout) - launch) / 1e9,
                "rss_mb": pru.ru_maxrss / 1024.0, "out": wout, "stacks": stacks}


class BccOffCpuTime(BccProfile):
    """libbpf-tools `offcputime` (Debian's libbpf-tools), the off-CPU peer."""
    name = "bcc offcputime"

    def __init__(self):
        self.path = os.environ.get("BCC_OFFCPUTIME") or shutil.which("offcputime") or \
            shutil.which("offcputime-bpfcc")

    def argv(self, freq, pid):
        return [self.path, "-p", str(pid)]


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def bench(workload, tools, freqs, runs, want_truth):
    rows = []
    with tempfile.TemporaryDirectory(prefix="xpu-bench-") as tmp:
        for freq in freqs:
            results = {t.name: [] for t in tools}
            for i in range(runs):
                order = tools[i % len(tools):] + tools[:i % len(tools)]  # alternate
                for t in order:
                    results[t.name].append(t.record(workload, freq, tmp))
            bare_work = median(work_s(r["out"]) for r in results["bare"])
            bare_cpu = median(r["cpu"] for r in results["bare"])
            for t in tools:
                rs = results[t.name]
                errs = [truth_error(r["stacks"], truth_of(r["out"])) if want_truth and
                        r["stacks"] else None for r in rs]
                uniq = median(len(r["stacks"]) if r["stacks"] else None for r in rs)
                ratios = [work_s(r["out"]) / bare_work for r in rs]
                rows.append([
                    freq, t.name,
                    median(ratios),
                    100 * statistics.stdev(ratios) if len(ratios) > 1 else None,
                    median(r["cpu"] for r in rs) / bare_cpu,
                    median(r["wall"] for r in rs),
                    median(r["start"] for r in rs),
                    median(r["post"] for r in rs) if t.name != "bare" else None,
                    median(r["bytes"] for r in rs) if t.name != "bare" else None,
                    median(r["rss_mb"] for r in rs) if t.name != "bare" else None,
                    median(errs), uniq])
    return rows


def print_table(title, rows):
    print(f"\n{title}")
    hdr = ["Hz", "tool", "overhead", "noise-%", "cpu-s", "wall-s", "start-s", "post-s",
           "bytes", "rss-MB", "err-pt", "stacks"]
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    for r in rows:
        cells = [str(r[0]), r[1], fmt(r[2], ".3f"), fmt(r[3], ".1f"), fmt(r[4], ".3f"),
                 fmt(r[5], ".2f"), fmt(r[6], ".3f"), fmt(r[7], ".3f"), fmt(r[8], ",.0f"),
                 fmt(r[9], ".1f"), fmt(r[10], ".2f"), fmt(r[11], ".0f")]
        print("| " + " | ".join(cells) + " |")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs per tool and frequency")
    ap.add_argument("--freqs", default="99,999")
    ap.add_argument("--rounds", type=int, default=1500, help="cpu_split work (~4 s)")
    ap.add_argument("--stack-seconds", type=float, default=10)
    ap.add_argument("--only", choices=["cpu_split", "many_stacks", "pingpong"],
                    help="one workload only")
    ap.add_argument("--pingpong-rounds", type=int, default=200000)
    ap.add_argument("--tools", help="comma-separated subset, e.g. bare,xpu-perf")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (BPF and perf need it)")
    for path in (XPU, CPU_SPLIT, MANY, PINGPONG):
        if not os.access(path, os.X_OK):
            sys.exit(f"missing {path}: run make first")
    tools = [t for t in (Bare(), XpuPerf(), Perf(), BccProfile()) if t.available()]
    offcpu_tools = [t for t in (Bare(), XpuPerf("xpu-perf", ["--no-off-cpu"]),
                                XpuPerf("xpu-perf +off-cpu"), BccOffCpuTime())
                    if t.available()]
    if args.tools:
        wanted = set(args.tools.split(",")) | {"bare"}
        tools = [t for t in tools if t.name in wanted]
        offcpu_tools = [t for t in offcpu_tools if t.name in wanted]
    freqs = [int(f) for f in args.freqs.split(",")]
    print(f"# {os.uname().release}, {os.cpu_count()} CPUs; tools: "
          f"{', '.join(t.name for t in tools)}; {args.runs} runs each, medians")
    if args.only in (None, "cpu_split"):
        print_table(f"cpu_split -n {args.rounds} (fixed work, 60/30/10 ground truth)",
                    bench([CPU_SPLIT, "-n", str(args.rounds)], tools, freqs, args.runs, True))
    if args.only in (None, "pingpong"):
        print_table(f"pingpong -c 0 -n {args.pingpong_rounds} (two threads on one CPU "
                    "over pipes: the context-switch worst case; xpu-perf +off-cpu is "
                    "the default mode)",
                    bench([PINGPONG, "-c", "0", "-n", str(args.pingpong_rounds)], offcpu_tools,
                          [99],
                          args.runs, False))
    if args.only not in (None, "many_stacks"):
        return
    print_table(f"many_stacks -t {args.stack_seconds:g} -j 2 (many unique stacks)",
                bench([MANY, "-t", str(args.stack_seconds), "-j", "2"], tools, [999],
                      max(1, args.runs // 2), False))


if __name__ == "__main__":
    main()
