#!/usr/bin/env python3
"""Soak test: does a long xpu-perf session stay flat in memory and CPU?

Runs `live -a`, `top -a` (batch mode) and `record -a`, one after the other,
for --minutes each (default 10; `--minutes 60` for the hour-long check),
on a machine kept busy with process churn:

  churn     a shell loop starting --churn short-lived processes at a time
            (thousands a minute), each its own exec and address space
  threads   one process with 100 threads waking every millisecond

Every --every seconds (default 10) it prints the profiler's resident set
(VmRSS) and its CPU over the last step (user + system, all threads, from
/proc/PID/stat, in percent of one core). At the end of each mode: the RSS
slope after warm-up (first third of the run dropped), by least squares,
in MB per minute; flat is what a service must show.

Run as root:  sudo bench/soak.py --minutes 3
"""
import argparse
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")

THREADS_PY = r"""
import threading, time
def worker():
    x = 0
    while True:
        for i in range(2000): x += i
        time.sleep(0.001)
for _ in range(100):
    threading.Thread(target=worker, daemon=True).start()
while True: time.sleep(1)
"""


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid):
    """VmRSS and its anonymous part (RssAnon: the heap; the rest is mapped
    files such as the ELF images being symbolized, which the kernel can
    reclaim), in MB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmRSS", "RssAnon"):
                out[key] = int(line.split()[1]) / 1024
    return out.get("VmRSS", 0.0), out.get("RssAnon", 0.0)


def slope(points):
    """Least-squares slope of (t, y) points, per minute."""
    n = len(points)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    return 60 * sum((t - mt) * (y - my) for t, y in points) / var


def start_load(churn):
    loop = (f"while :; do for i in $(seq {churn}); do /bin/true & done; wait; done")
    procs = [subprocess.Popen(["sh", "-c", loop], start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
             subprocess.Popen([sys.executable, "-c", THREADS_PY], start_new_session=True)]
    return procs


def stop(procs):
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()


def soak(xpu, mode, seconds, every, out_dir):
    cmd = {
        "live": [xpu, "live", "-a", "-i", "1"],
        "top": [xpu, "top", "-a", "-b", "-d", "1"],
        "record": [xpu, "record", "-a", "-o", os.path.join(out_dir, "soak.folded")],
    }[mode]
    print(f"\n== {' '.join(cmd[1:])} for {seconds:.0f} s", flush=True)
    print(f"{'t-s':>6} {'rss-MB':>8} {'anon-MB':>8} {'cpu-%':>7}", flush=True)
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t0 = time.monotonic()
    last_t, last_cpu = t0, 0.0
    points = []
    try:
        while True:
            time.sleep(every)
            if p.poll() is not None:
                print(f"{mode} exited early ({p.returncode}): "
                      f"{p.stderr.read().decode(errors='replace')[-500:]}")
                return None
            now, cpu, (rss, anon) = time.monotonic(), cpu_seconds(p.pid), rss_mb(p.pid)
            pct = 100 * (cpu - last_cpu) / (now - last_t)
            last_t, last_cpu = now, cpu
            points.append((now - t0, rss, pct, anon))
            print(f"{now - t0:6.0f} {rss:8.1f} {anon:8.1f} {pct:7.1f}", flush=True)
            if now - t0 >= seconds:
                break
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    steady = points[len(points) // 3:]
    mem = slope([(t, r) for t, r, _, _ in steady])
    anon = slope([(t, a) for t, _, _, a in steady])
    cpu = slope([(t, c) for t, _, c, _ in steady])
    print(f"{mode}: RSS {points[0][1]:.1f} -> {points[-1][1]:.1f} MB; after warm-up "
          f"{mem:+.2f} MB/min (anon {anon:+.2f}), CPU "
          f"{sum(c for _, _, c, _ in steady) / len(steady):.1f}% ({cpu:+.2f} points/min)",
          flush=True)
    return mem


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10, help="per mode (default 10)")
    ap.add_argument("--every", type=float, default=10, help="seconds between rows (default 10)")
    ap.add_argument("--modes", default="live,top,record", help="comma-separated: live,top,record")
    ap.add_argument("--churn", type=int, default=20, help="processes started at a time (default 20)")
    ap.add_argument("--xpu", default=os.path.join(ROOT, "build", "xpu-perf"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("soak.py: run as root (xpu-perf -a needs it)")
    out_dir = f"/tmp/xpu-soak-{os.getpid()}"
    os.makedirs(out_dir, exist_ok=True)
    load = start_load(args.churn)
    try:
        for mode in args.modes.split(","):
            soak(args.xpu, mode, args.minutes * 60, args.every, out_dir)
    finally:
        stop(load)


if __name__ == "__main__":
    main()
