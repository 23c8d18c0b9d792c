#!/usr/bin/env python3
"""Benchmark `xpu-perf live --http`: the profiler's own CPU and memory with
0, 1 and 20 event-stream clients attached, and the latency from a sample
being taken to its window arriving in the stream.

xpu-perf runs system-wide (-a) at 99 Hz with 1 s windows while two
workloads keep both CPUs busy: cpu_split (few stacks) and many_stacks
(thousands of unique stacks: each window has new stacks to symbolize, and
a large flame graph to send). Clients are plain sockets in this process
reading /api/events, as a browser's EventSource does. For each setting:

  cpu-%       xpu-perf's CPU time (user + system, all threads, from
              /proc/PID/stat) over the measured part (after a warm-up),
              in percent of one core
  rss-MB      its resident set at the end
  event-KB    the median size of one window event
  lat-max     the worst latency from a sample to the stream, in intervals:
              (event received - window start) / interval, the age of the
              window's oldest sample when it reached the client
  lat-med     the same, median
  end->recv   from the window's end (after symbolization) to the client,
              median, in ms

"no --http" is `live -o /dev/null` (folded windows written, no server),
the baseline the page adds to. Settings alternate run by run; the table
shows medians over --runs.

Run as root on an otherwise idle machine:  sudo bench/http_bench.py
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

from record_bench import CPU_SPLIT, MANY, XPU, proc_cpu_rss


class Client(threading.Thread):
    """One event-stream reader: records (received, start, end, bytes) per window."""

    def __init__(self, port, interval):
        super().__init__(daemon=True)
        self.port, self.interval, self.events, self.done = port, interval, [], False

    def run(self):
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall(b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        buf = b""
        while not self.done:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            buf += chunk
            now = time.time()
            # Chunked encoding: events are found by their "data: " lines.
            while True:
                at = buf.find(b"data: {\"window\":")
                if at < 0:
                    break
                end = buf.find(b"\n", at)
                if end < 0:
                    break
                line = buf[at + 6:end]
                buf = buf[end:]
                head = json.loads(line[:line.find(b',"controls"')] + b"}")
                self.events.append((now, head["start"], head["end"], len(line)))
        s.close()


def one_run(clients, seconds, warmup, http=True):
    load = [subprocess.Popen([CPU_SPLIT, "-n", "100000000"], stdout=subprocess.DEVNULL),
            subprocess.Popen([MANY, "-t", "100000", "-j", "1"], stdout=subprocess.DEVNULL)]
    args = [XPU, "live", "-a", "-F", "99", "-i", "1", "--duration", str(seconds + warmup + 1)]
    args += ["--http", "127.0.0.1:0"] if http else ["-o", "/dev/null"]
    err = open("/tmp/http_bench.err", "w+")
    xpu = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
    port = None
    for _ in range(200):
        err.seek(0)
        m = re.search(r"serving http://127.0.0.1:(\d+)/", err.read())
        if m or not http:
            port = m and int(m.group(1))
            break
        time.sleep(0.05)
    readers = [Client(port, 1.0) for _ in range(clients)]
    for r in readers:
        r.start()
    time.sleep(warmup)
    c0, t0 = proc_cpu_rss(xpu.pid)[0], time.time()
    time.sleep(seconds)
    (c1, rss), t1 = proc_cpu_rss(xpu.pid), time.time()
    xpu.wait()
    for p in load:
        p.terminate()
        p.wait()
    for r in readers:
        r.done = True
    events = [e for r in readers for e in r.events if e[1] >= t0 - 1]
    lat = [(recv - start) / 1.0 for recv, start, end, _ in events]
    tail = [(recv - end) * 1000 for recv, start, end, _ in events]
    return {
        "cpu": 100 * (c1 - c0) / (t1 - t0),
        "rss": rss,
        "kb": statistics.median(e[3] for e in events) / 1000 if events else None,
        "lat_max": max(lat) if lat else None,
        "lat_med": statistics.median(lat) if lat else None,
        "tail": statistics.median(tail) if tail else None,
    }


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20, help="measured seconds per run")
    ap.add_argument("--warmup", type=float, default=4, help="seconds before measuring")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--clients", default="0,1,20")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (loads BPF)")
    settings = [("no --http", 0, False)] + [(f"{n} clients", n, True)
                                             for n in map(int, a.clients.split(","))]
    results = {name: [] for name, _, _ in settings}
    for run in range(a.runs):
        for name, n, http in settings:
            r = one_run(n, a.seconds, a.warmup, http)
            results[name].append(r)
            print(f"run {run + 1} {name}: cpu {r['cpu']:.2f}% rss {r['rss']:.1f} MB "
                  f"lat-max {fmt(r['lat_max'], '.2f')}", file=sys.stderr)
    print(f"{'setting':<12} {'cpu-%':>7} {'rss-MB':>7} {'event-KB':>9} {'lat-max':>8} "
          f"{'lat-med':>8} {'end->recv':>10}")
    for name, _, _ in settings:
        rs = results[name]
        med = lambda k: (statistics.median(r[k] for r in rs if r[k] is not None)
                         if any(r[k] is not None for r in rs) else None)
        worst = max((r["lat_max"] for r in rs if r["lat_max"] is not None), default=None)
        print(f"{name:<12} {med('cpu'):>7.2f} {med('rss'):>7.1f} {fmt(med('kb'), '.1f'):>9} "
              f"{fmt(worst, '.2f'):>8} {fmt(med('lat_med'), '.2f'):>8} "
              f"{fmt(med('tail'), '.1f'):>10}")


if __name__ == "__main__":
    main()
