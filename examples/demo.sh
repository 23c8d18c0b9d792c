#!/bin/sh
# `make demo`: profile the bundled ground-truth workload and draw its flame
# graph. Needs root (BPF); prints where the files went.
set -eu
cd "$(dirname "$0")/.."
BIN=build/xpu-perf
OUT=build/demo
mkdir -p "$OUT"
if [ "$(id -u)" != 0 ]; then
	echo "make demo loads BPF programs: run it as root (sudo make demo)" >&2
	exit 2
fi
echo "== profiling examples/cpu_split (3 functions burn 60/30/10% of its CPU time)"
$BIN record -F 999 -o "$OUT/cpu_split.folded" build/examples/cpu_split -t 3
echo "== top functions"
$BIN report --top 12 --sort total "$OUT/cpu_split.folded"
$BIN report --svg "$OUT/cpu_split.svg" --title "xpu-perf demo: cpu_split" "$OUT/cpu_split.folded"
echo "== flame graph: $OUT/cpu_split.svg (open it in a browser)"
echo "   folded stacks: $OUT/cpu_split.folded (flamegraph.pl reads it too)"
