#!/usr/bin/env python3
"""Runs a command and prints, like the examples/ workloads, when its work
started and ended (CLOCK_MONOTONIC): "timed start_ns=... end_ns=...". Lets
the benchmarks time programs that do not print it themselves (xz)."""
import os
import subprocess
import sys
import time

start = time.monotonic_ns()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
end = time.monotonic_ns()
print(f"timed start_ns={start} end_ns={end}", flush=True)
sys.exit(code)
