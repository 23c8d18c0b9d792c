#!/usr/bin/env python3
"""What xpu-perf's GPU layer adds to a CUDA program, per kernel launch.

Part 1, on any machine (no GPU needed): the launch hook path. The injector
calls xpu_perf_launch_hook() once per launch and xpu-perf's uprobe takes
the thread's stack there; that probe is the profiler's whole cost on the
launching thread beyond CUPTI's own. tests/fixtures/gpu/fake_cuda_app
--loop N calls the real hook (libxpu_launch_hook.so, the injector's
source) N times; it runs bare and under `xpu-perf record --gpu-only` with
each stack walker, alternating, and the table shows medians:

  ns/launch     the program's own time per hook call (its clock)
  added         ns/launch minus the bare run's
  cpu-ns/launch CPU time of the program and xpu-perf together, per launch
                (the uprobe runs in the program's context, as kernel time),
                less that of the same run with no launches (start-up, BPF
                loading and the final write are not per launch)

Part 2, on any machine with the CUPTI fixtures built (CUDA's headers): each
launch path's probe. tests/fixtures/gpu/launch_paths_app --loop N plays
every way a program reaches the GPU (cudaLaunchKernel, its _ptsz and ExC
forms, cuLaunchKernelEx, the graph launches, copies, memsets...) N times
each against the mock libcupti, through the real injector
(build/libxpu_cupti.so, the source of the one record injects) and, under
`xpu-perf record --gpu-only`, the real uprobe on its hook; each launch's
GPU records are staged and delivered, so record matches every one. Each
path runs in a process of its own, bare then under record; bare, the
injector writes to a FIFO that `cat` drains (what it does under record,
without the probe). Medians over the runs, per path:

  ns/launch      the path's loop on the app's clock, per launch
  cpu-ns/launch  the launching thread's CPU time per launch: the injector's
                 callbacks, and under record the uprobe and its BPF program
                 (kernel time of that thread)
  added          record minus bare

and xpu-perf's own CPU per launch over all paths (each record run's CPU
less the app's, less that of a record run with no launches).

Part 3, only where a GPU answers (nvidia-smi -L) and examples/cuda is built
(make cuda-examples): many_kernels (launch-bound: 100k tiny kernels from 4
threads) and vector_add (compute-bound), bare, under xpu-perf record, and
under Nsight Systems when `nsys` is installed; wall seconds and CPU seconds,
medians, and the ratio to bare.

Run as root on an otherwise idle machine:  sudo bench/gpu_bench.py
"""
import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
XPU = os.path.join(BUILD, "xpu-perf")
FAKE = os.path.join(BUILD, "fixtures", "fake_cuda_app")
HOOK = os.path.join(BUILD, "fixtures", "libxpu_launch_hook.so")
PATHS_APP = os.path.join(BUILD, "fixtures", "launch_paths_app")
MOCK_CUPTI = os.path.join(BUILD, "fixtures", "mock_cupti", "libcupti.so")
INJECTOR = os.path.join(BUILD, "libxpu_cupti.so")
CUDA_EXAMPLES = os.path.join(BUILD, "examples", "cuda")


def run_timed(argv, env=None):
    """Runs argv; returns (wall s, CPU s of it and its children, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(argv)}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.stdout


def hook_part(launches, runs):
    out = tempfile.mkdtemp(prefix="xpu-gpu-bench-")
    folded = os.path.join(out, "p.folded")
    variants = {
        "bare": [],
        "xpu-perf fp": [XPU, "record", "--gpu-only", "--call-graph", "fp", "--gpu-injector", HOOK,
                        "-o", folded, "--"],
        "xpu-perf auto": [XPU, "record", "--gpu-only", "--gpu-injector", HOOK, "-o", folded, "--"],
    }
    results = {name: {"ns": [], "cpu": []} for name in variants}
    for _ in range(runs):
        for name, prefix in variants.items():
            _, cpu0, _ = run_timed(prefix + [FAKE, "--loop", "1"])
            _, cpu, stdout = run_timed(prefix + [FAKE, "--loop", str(launches)])
            m = re.search(r"ns_per_launch ([\d.]+)", stdout)
            results[name]["ns"].append(float(m.group(1)))
            results[name]["cpu"].append((cpu - cpu0) * 1e9 / launches)
    shutil.rmtree(out, ignore_errors=True)
    bare = statistics.median(results["bare"]["ns"])
    print(f"\nlaunch hook path: {launches} launches, {runs} runs each, medians")
    print(f"{'':16} {'ns/launch':>10} {'added':>8} {'cpu-ns/launch':>14}")
    for name, r in results.items():
        ns = statistics.median(r["ns"])
        print(f"{name:16} {ns:10.0f} {ns - bare:8.0f} {statistics.median(r['cpu']):14.0f}")


def paths_run(prefix, launches, path, env):
    """One run of launch_paths_app --loop for one path: ((ns, cpu ns) per
    launch, CPU s of everything run less the app's own)."""
    _, cpu, stdout = run_timed(prefix + [PATHS_APP, "--loop", str(launches), path], env)
    per_launch, app_cpu = None, None
    for line in stdout.splitlines():
        f = line.split()
        if f[:2] == ["loop", path]:
            per_launch = (float(f[4]), float(f[6]))
        elif f[:1] == ["process_cpu_ns"]:
            app_cpu = float(f[1]) / 1e9
    if per_launch is None or app_cpu is None:
        sys.exit(f"launch_paths_app --loop {launches} {path}: {stdout[-200:]}")
    return per_launch, cpu - app_cpu


def paths_part(launches, runs):
    out = tempfile.mkdtemp(prefix="xpu-gpu-bench-")
    env = dict(os.environ, XPU_PERF_CUPTI=MOCK_CUPTI)
    record = [XPU, "record", "--gpu-only", "-o", os.path.join(out, "p.folded"), "--"]
    fifo = os.path.join(out, "pipe")
    os.mkfifo(fifo)
    bare_env = dict(env, CUDA_INJECTION64_PATH=INJECTOR, XPU_PERF_PIPE=fifo)
    # Each path in a process of its own: a run shorter than the injector's
    # flush period (500 ms), so no path pays for another's backlog.
    paths = [line.split(";")[2] for line in
             subprocess.run([PATHS_APP, "--list"], capture_output=True, text=True).stdout.splitlines()]
    ns = {"bare": {p: [] for p in paths}, "record": {p: [] for p in paths}}
    cpu = {"bare": {p: [] for p in paths}, "record": {p: [] for p in paths}}
    own = []  # xpu-perf's CPU s per launch, each run, all paths
    for _ in range(runs):
        _, idle = paths_run(record, 0, paths[0], env)
        xpu_cpu = 0.0
        for path in paths:
            drain = subprocess.Popen(["cat", fifo], stdout=subprocess.DEVNULL)
            (n, c), _ = paths_run([], launches, path, bare_env)
            drain.wait()
            ns["bare"][path].append(n)
            cpu["bare"][path].append(c)
            (n, c), rec_cpu = paths_run(record, launches, path, env)
            ns["record"][path].append(n)
            cpu["record"][path].append(c)
            xpu_cpu += rec_cpu - idle
        own.append(xpu_cpu / (launches * len(paths)))
    shutil.rmtree(out, ignore_errors=True)
    med = statistics.median
    print(f"\nlaunch paths: {launches} launches each, {runs} runs, medians "
          f"(bare: the injector alone; record: --gpu-only)")
    print(f"{'path':40} {'ns bare':>8} {'record':>8} {'added':>7} {'cpu-ns bare':>12} {'record':>8} {'added':>7}")
    probe = []
    for path in paths:
        b, r = med(ns["bare"][path]), med(ns["record"][path])
        cb, cr = med(cpu["bare"][path]), med(cpu["record"][path])
        probe.append(cr - cb)
        print(f"{path:40} {b:8.0f} {r:8.0f} {r - b:7.0f} {cb:12.0f} {cr:8.0f} {cr - cb:7.0f}")
    # The target is CPU per launch: the probe on the launching thread plus
    # xpu-perf's own work for it (on another CPU where there is one).
    x = med(own) * 1e9
    print(f"xpu-perf's own CPU per launch (all paths): {x:.0f} ns")
    print(f"CPU added per launch: {min(probe) / 1000:.2f}-{max(probe) / 1000:.2f} us on the launching thread"
          f" + {x / 1000:.2f} us in xpu-perf = at most {(max(probe) + x) / 1000:.2f} us (target: 5 us)")


def gpu_present():
    try:
        return subprocess.run(["nvidia-smi", "-L"], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


def gpu_part(runs):
    apps = {"many_kernels (launch-bound)": [os.path.join(CUDA_EXAMPLES, "many_kernels")],
            "vector_add (compute-bound)": [os.path.join(CUDA_EXAMPLES, "vector_add")]}
    out = tempfile.mkdtemp(prefix="xpu-gpu-bench-")
    tools = {"bare": [], "xpu-perf": [XPU, "record", "-o", os.path.join(out, "p.folded"), "--"]}
    if shutil.which("nsys"):
        tools["nsys"] = ["nsys", "profile", "--force-overwrite=true", "-o",
                         os.path.join(out, "nsys"), "--"]
    print(f"\nCUDA programs, {runs} runs each, medians (ratio to bare)")
    print(f"{'':28} {'tool':9} {'wall-s':>8} {'ratio':>6} {'cpu-s':>7}")
    for app, argv in apps.items():
        if not os.access(argv[0], os.X_OK):
            print(f"{app}: not built (make cuda-examples)")
            continue
        walls = {t: [] for t in tools}
        cpus = {t: [] for t in tools}
        for _ in range(runs):
            for t, prefix in tools.items():
                wall, cpu, _ = run_timed(prefix + argv)
                walls[t].append(wall)
                cpus[t].append(cpu)
        base = statistics.median(walls["bare"])
        for t in tools:
            w = statistics.median(walls[t])
            print(f"{app:28} {t:9} {w:8.3f} {w / base:6.3f} {statistics.median(cpus[t]):7.3f}")
    shutil.rmtree(out, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--launches", type=int, default=200000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--path-launches", type=int, default=20000,
                    help="launches per path in part 2 (default 20000)")
    ap.add_argument("--parts", default="hook,paths,gpu",
                    help="which parts to run, comma-separated (default hook,paths,gpu)")
    args = ap.parse_args()
    parts = args.parts.split(",")
    if os.geteuid() != 0:
        sys.exit("run as root (BPF)")
    for f in (XPU, FAKE, HOOK):
        if not os.path.exists(f):
            sys.exit(f"missing {f}: run make fixtures")
    if "hook" in parts:
        hook_part(args.launches, args.runs)
    if "paths" in parts:
        missing = [f for f in (PATHS_APP, MOCK_CUPTI, INJECTOR) if not os.path.exists(f)]
        if missing:
            print(f"\nlaunch paths: not run, {missing[0]} missing (built without CUDA's CUPTI headers)")
        else:
            paths_part(args.path_launches, args.runs)
    if "gpu" not in parts:
        return
    if gpu_present():
        gpu_part(args.runs)
    else:
        print("\nno GPU (nvidia-smi -L failed): the CUDA programs were not run")


if __name__ == "__main__":
    main()
