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

Part 2, only where a GPU answers (nvidia-smi -L) and examples/cuda is built
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
CUDA_EXAMPLES = os.path.join(BUILD, "examples", "cuda")


def run_timed(argv):
    """Runs argv; returns (wall s, CPU s of it and its children, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
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
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (BPF)")
    for f in (XPU, FAKE, HOOK):
        if not os.path.exists(f):
            sys.exit(f"missing {f}: run make fixtures")
    hook_part(args.launches, args.runs)
    if gpu_present():
        gpu_part(args.runs)
    else:
        print("\nno GPU (nvidia-smi -L failed): the CUDA programs were not run")


if __name__ == "__main__":
    main()
