#!/usr/bin/env python3
"""What walking CPython's frames costs and how well it works, in one session.

bench/python_split.py (fixed work split about 60/30/10 among py_60, py_30
and py_10, each at a Python depth of 30 frames, the split measured by the
workload with time.thread_time) runs bare, under `xpu-perf record` with and
without the Python walk, and under `perf record -g`, alternating tools run
by run, at 99 and 999 Hz; medians of:

  overhead   the workload's own start-to-end time for its fixed work / bare
  cpu-s      CPU seconds of profiler + workload (perf: + perf script) / bare
  ns/run     the sampling program's run_time_ns / run_cnt (bpf_stats); runs
             on the other CPU (not the target's) return at once and count
  ns/sample  the same run time / the workload's samples: what a sample of
             the workload costs in the kernel
  complete-% samples in the work functions whose Python chain is complete
             (<module>, main, 27 x recurse, the py_* function): out of those
             with a py_* frame plus those the walk gave no Python frame
  eval-%     -v's "python:" line: eval calls walked that completed
  err-pt     largest |measured share - truth| of py_60/py_30/py_10, in
             percentage points
  post-s     the workload's exit -> folded stacks on disk (perf: perf script
             and collapsing included)
  rss-MB     peak RSS (wait4: the larger of the profiler and the workload,
             whose own is about 10 MB)

"Without the Python walk": record has no switch for it (--call-graph fp
skips the unwind tables, the Python walk with them, so it changes two
things). The bench runs a copy of the same interpreter whose Py_Version
constant reads 3.9: record then refuses to walk it ("native frames only")
and unwinds the same native stacks from the same tables. CPython itself
does not read that constant (sys.version_info is compiled in).

perf sees only the eval loop's native frames (one _PyEval_EvalFrameDefault
for all 30 Python frames in 3.11), so its Python columns are empty.

Run as root on an otherwise idle machine:  sudo bench/python_bench.py
Before/after in one session: --baseline OLD/xpu-perf adds that binary's rows
(with and without the walk) to the same alternation.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import record_bench as rb

ROOT = rb.ROOT
SPLIT = os.path.join(ROOT, "bench", "python_split.py")
PYTHON = "/usr/bin/python3.11"
WORKERS = ("py_60", "py_30", "py_10")
DEPTH = 30
STATS = "/proc/sys/kernel/bpf_stats_enabled"


def elf_offset(path, vaddr):
    """File offset of virtual address `vaddr` in `path` (readelf's LOADs)."""
    out = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            off, va, filesz = int(f[1], 16), int(f[2], 16), int(f[4], 16)
            if va <= vaddr < va + filesz:
                return vaddr - va + off
    return None


def unwalkable_copy(python, dest):
    """A copy of `python` whose Py_Version says 3.9, which record refuses to
    walk; None (and why) when the constant cannot be found."""
    syms = subprocess.run(["readelf", "-Ws", "--dyn-syms", python], capture_output=True,
                          text=True).stdout
    addr = next((int(f[1], 16) for f in (l.split() for l in syms.splitlines())
                 if len(f) >= 8 and f[7] == "Py_Version"), None)
    off = elf_offset(python, addr) if addr else None
    if off is None:
        return None, f"no Py_Version in {python}"
    shutil.copy2(python, dest)
    with open(dest, "r+b") as f:
        f.seek(off)
        v = int.from_bytes(f.read(4), "little")
        if v >> 16 != 0x030B:
            return None, f"Py_Version of {python} is {v:#x}, not 3.11"
        f.seek(off)
        f.write(((v & ~0xFF0000) | 0x090000).to_bytes(4, "little"))
    return dest, None


def run_held(argv, fifo, tmp, at_hold=None):
    """Runs argv (which runs python_split.py --hold fifo); calls at_hold(pid)
    while the workload waits after its work, then releases it."""
    err_path = os.path.join(tmp, "stderr")
    with open(err_path, "w") as err:
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, text=True)
        lines = []
        for line in p.stdout:
            lines.append(line)
            if line.strip() == "held":
                break
        held = at_hold(p.pid) if at_hold else None
        with open(fifo, "w") as f:
            f.write("go\n")
        lines += p.stdout.readlines()
        _, status, ru = os.wait4(p.pid, 0)
    done_ns = time.monotonic_ns()
    text = open(err_path).read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{text[-2000:]}")
    out = "".join(lines)
    exit_ns = int(out.split("exit_ns=")[1].split()[0])
    truth = dict(kv.split("=") for kv in out.split("\n")[0].split())
    return {"out": out, "err": text, "cpu": ru.ru_utime + ru.ru_stime,
            "rss_mb": ru.ru_maxrss / 1024.0, "post": (done_ns - exit_ns) / 1e9,
            "truth": {k: float(v) for k, v in truth.items()}, "held": held}


def python_frames(stack):
    return [f.split(" (")[0] for f in stack.split(";") if f.endswith(")") and ".py" in f]


def walk_quality(stacks):
    """(complete-%, shares of WORKERS in %) from folded stacks."""
    want = ["<module>", "main"] + ["recurse"] * (DEPTH - 3)
    complete = counted = 0.0
    weight = dict.fromkeys(WORKERS, 0.0)
    for stack, w in stacks.items():
        py = python_frames(stack)
        leaf = next((f for f in py if f in WORKERS), None)
        if leaf:
            weight[leaf] += w
            counted += w
            complete += w if py[:-1] == want and py[-1] == leaf else 0
        elif not py and "_PyEval_EvalFrameDefault" in stack.split(";"):
            counted += w  # in the interpreter, but no Python frame came out
    if not counted:
        return None, None
    total = sum(weight.values())
    shares = {k: 100 * v / total for k, v in weight.items()} if total else None
    return 100 * complete / counted, shares


class Mode:
    name = "bare"

    def available(self):
        return True

    def run(self, workload, freq, tmp):
        fifo = os.path.join(tmp, "hold")
        return run_held(workload + ["--hold", fifo], fifo, tmp)


class Xpu(Mode):
    def __init__(self, name, python, xpu=rb.XPU):
        self.name = name
        self.python = python
        self.xpu = xpu

    def run(self, workload, freq, tmp):
        fifo = os.path.join(tmp, "hold")
        out = os.path.join(tmp, "xpu.folded")
        argv = [self.xpu, "-v", "record", "--cpu-only", "-F", str(freq), "-o", out, "--",
                self.python] + workload[1:] + ["--hold", fifo]
        r = run_held(argv, fifo, tmp, rb.sampler_stats)
        r["stacks"] = rb.folded_stacks(open(out).read())
        r["samples"] = int(r["err"].split(" samples,")[0].split()[-1])
        if " completed (" in r["err"]:
            r["eval"] = float(r["err"].split(" completed (")[1].split("%")[0])
        return r


class PerfG(Mode):
    name = "perf -g"

    def available(self):
        return shutil.which("perf") is not None

    def run(self, workload, freq, tmp):
        fifo = os.path.join(tmp, "hold")
        data = os.path.join(tmp, "perf.data")
        r = run_held(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(freq), "-g", "-o",
                      data, "--"] + workload + ["--hold", fifo], fifo, tmp)
        t0 = time.monotonic()
        s = rb.timed(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"])
        rb.collapse_perf_script(s["out"])  # perf's way to folded stacks
        r["cpu"] += s["cpu"]
        r["post"] += time.monotonic() - t0
        r["rss_mb"] = max(r["rss_mb"], s["rss_mb"])
        return r


def row(freq, mode, rs, bare):
    med = rb.median
    work = [rb.work_s(r["out"]) / bare["work"] for r in rs]
    held = [r["held"] for r in rs if r.get("held")]
    ns_run = med(t / n for t, n in held if n) if held else None
    ns_sample = med(r["held"][0] / r["samples"] for r in rs if r.get("held") and r["samples"])
    quality = [walk_quality(r["stacks"]) for r in rs if "stacks" in r]
    complete = med(q[0] for q in quality)
    errs = [max(abs(q[1][k] - r["truth"][k]) for k in WORKERS)
            for q, r in zip(quality, rs) if q[1] and q[0]]
    return (f"| {freq} | {mode} | {med(work):.3f} | "
            f"{100 * statistics.stdev(work) if len(work) > 1 else 0:.1f} | "
            f"{med(r['cpu'] for r in rs) / bare['cpu']:.3f} | {rb.fmt(ns_run, ',.0f')} | "
            f"{rb.fmt(ns_sample, ',.0f')} | {rb.fmt(complete, '.1f')} | "
            f"{rb.fmt(med(r.get('eval') for r in rs), '.1f')} | {rb.fmt(med(errs), '.2f')} | "
            f"{rb.fmt(med(r['post'] for r in rs) if mode != 'bare' else None, '.3f')} | "
            f"{med(r['rss_mb'] for r in rs):.1f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--freqs", default="99,999")
    ap.add_argument("--rounds", type=int, default=800, help="python_split.py -n (about 5 ms each)")
    ap.add_argument("--python", default=PYTHON, help="a CPython 3.11 (Py_Version is patched)")
    ap.add_argument("--baseline", metavar="XPU_PERF",
                    help="another xpu-perf binary (e.g. built from main) run in the same "
                         "alternation, its rows marked 'baseline': before/after in one session")
    ap.add_argument("--no-perf", action="store_true", help="leave out perf -g")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (BPF and perf need it)")
    old = open(STATS).read().strip()
    with tempfile.TemporaryDirectory(prefix="xpu-pybench-") as tmp:
        os.mkfifo(os.path.join(tmp, "hold"))
        nowalk, why = unwalkable_copy(args.python, os.path.join(tmp, os.path.basename(args.python)))
        modes = [Mode(), Xpu("xpu-perf", args.python)]
        if nowalk:
            modes.append(Xpu("xpu-perf, no Python walk", nowalk))
        if args.baseline:
            modes.append(Xpu("xpu-perf baseline", args.python, args.baseline))
            if nowalk:
                modes.append(Xpu("xpu-perf baseline, no Python walk", nowalk, args.baseline))
        else:
            print(f"# SKIP xpu-perf without the Python walk: {why}")
        if args.no_perf:
            pass
        elif PerfG().available():
            modes.append(PerfG())
        else:
            print("# SKIP perf -g: perf not found")
        workload = [args.python, SPLIT, "-n", str(args.rounds)]
        print(f"# {os.uname().release}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; "
              f"{' '.join(os.path.basename(w) for w in workload)}; {args.runs} runs each, medians")
        print("| Hz | tool | overhead | noise-% | cpu-s | ns/run | ns/sample | complete-% | "
              "eval-% | err-pt | post-s | rss-MB |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        try:
            with open(STATS, "w") as f:
                f.write("1")
            for freq in (int(f) for f in args.freqs.split(",")):
                res = {m.name: [] for m in modes}
                for i in range(args.runs):  # alternating: drift hits every mode alike
                    for m in modes[i % len(modes):] + modes[:i % len(modes)]:
                        res[m.name].append(m.run(workload, freq, tmp))
                bare = {"work": rb.median(rb.work_s(r["out"]) for r in res["bare"]),
                        "cpu": rb.median(r["cpu"] for r in res["bare"])}
                for m in modes:
                    print(row(freq, m.name, res[m.name], bare), flush=True)
        finally:
            with open(STATS, "w") as f:
                f.write(old)
    print(f"# load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
