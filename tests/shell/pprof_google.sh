#!/bin/sh
# The pprof export read by Google's pprof (build/tools/pprof, built from
# Debian's golang-github-google-pprof-dev by `make tools`), the consumer
# fleet backends (Pyroscope, Parca) follow:
# - tests/fixtures/report/layers.folded (one stack of each layer, inlined
#   frames, a GPU stream frame, two processes) with --freq 100: each sample
#   type's total exact in its own unit (pprof -raw), the default type, the
#   labels and the inlined lines (pprof -traces), a layer's top (pprof -top
#   -sample_index=...);
# - a real record of examples/wall_split (on- and off-CPU by construction)
#   at -F 199: pprof's cpu and offcpu totals equal the folded profile's
#   on-CPU and [off-cpu:*] weights times 1e9/199 ns (to the rounding of
#   each sample), and its samples count the folded stacks.
# Exit 0 pass, 1 fail, 2 skip (no pprof built here; the real run needs root).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build
P=$B/tools/pprof
[ -x "$P" ] || { echo "skipped: no $P (make tools needs golang-go and golang-github-google-pprof-dev)"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Sums each column of `pprof -raw`'s samples: "TYPE/UNIT=TOTAL" lines.
totals() {
	$P -raw "$1" 2>/dev/null | awk '
		/^Samples:/ { s = 1; next }
		/^Locations/ { s = 0 }
		s && /\[dflt\]|\// && !n { for (i = 1; i <= NF; i++) { sub(/\[dflt\]/, "", $i); name[i] = $i }; n = NF; next }
		s && n && $NF ~ /^[0-9 ]*$/ || (s && n && /:/ && $1 ~ /^[0-9]+$/) {
			for (i = 1; i <= n; i++) sum[i] += $i
		}
		END { for (i = 1; i <= n; i++) printf "%s=%.0f\n", name[i], sum[i] }'
}

$B/xpu-perf report --format pprof --freq 100 -o "$tmp/l.pb.gz" tests/fixtures/report/layers.folded ||
	fail "report --format pprof"
totals "$tmp/l.pb.gz" >"$tmp/l.totals"
cat "$tmp/l.totals"
# 100 Hz: a sample is 10 ms. On-CPU 30 + 7 + 3; off-CPU 20; [GPU_Wait] 5;
# GPU 10; 4000 bytes sent.
printf '%s\n' samples/count=40 cpu/nanoseconds=400000000 offcpu/nanoseconds=200000000 \
	gpu_wait/nanoseconds=50000000 gpu/nanoseconds=100000000 net/bytes=4000 >"$tmp/l.want"
cmp -s "$tmp/l.totals" "$tmp/l.want" || fail "per-type totals: $(cat "$tmp/l.totals" | tr '\n' ' ')"
$P -raw "$tmp/l.pb.gz" 2>/dev/null | grep -q '^samples/count\[dflt\] ' || fail "samples is not the default type"
$P -raw "$tmp/l.pb.gz" 2>/dev/null | grep -q '^PeriodType: cpu nanoseconds$' || fail "period type"
$P -raw "$tmp/l.pb.gz" 2>/dev/null | grep -q '^Period: 10000000$' || fail "period"
$P -traces -sample_index=gpu "$tmp/l.pb.gz" >"$tmp/l.traces" 2>/dev/null
grep -q 'gpu_device:  0' "$tmp/l.traces" && grep -q 'gpu_stream:  7' "$tmp/l.traces" ||
	fail "GPU device and stream labels"
grep -q '       pid:  42' "$tmp/l.traces" && grep -q '      comm:  app' "$tmp/l.traces" &&
	grep -q '      comm:  worker' "$tmp/l.traces" || fail "comm and pid labels"
$P -top -sample_index=offcpu "$tmp/l.pb.gz" 2>/dev/null >"$tmp/l.top"
grep -q 'Showing nodes accounting for 200ms, 100% of 200ms total' "$tmp/l.top" || fail "offcpu top: $(cat "$tmp/l.top")"
# The inlined frames are lines of outer's location, innermost first.
$P -raw "$tmp/l.pb.gz" 2>/dev/null | grep -A2 ' leaf :0' | tr -s ' ' | sed 's/^ //' >"$tmp/l.inline"
printf '%s\n' "leaf :0 s=0" "inner :0 s=0" "outer :0 s=0" >"$tmp/l.inline.want"
sed 's/^[0-9]*: 0x0 M=1 //' "$tmp/l.inline" | cmp -s - "$tmp/l.inline.want" || fail "inlined lines: $(cat "$tmp/l.inline")"
# Without --freq, times stay in samples.
$B/xpu-perf report --format pprof -o "$tmp/s.pb.gz" tests/fixtures/report/layers.folded
totals "$tmp/s.pb.gz" | grep -qx 'offcpu/samples=20' || fail "offcpu without --freq: $(totals "$tmp/s.pb.gz" | tr '\n' ' ')"

if [ "$(id -u)" = 0 ]; then
	$B/xpu-perf record -F 199 -o "$tmp/w.folded" -- $B/examples/wall_split -t 2 >/dev/null 2>"$tmp/w.err" ||
		fail "record wall_split"
	$B/xpu-perf report --format pprof --freq 199 -o "$tmp/w.pb.gz" "$tmp/w.folded"
	totals "$tmp/w.pb.gz" >"$tmp/w.totals"
	python3 - "$tmp/w.folded" "$tmp/w.totals" <<'PY' || fails=$((fails + 1))
import sys
folded, totals = sys.argv[1:3]
got = dict(l.strip().split("=") for l in open(totals))
on = off = stacks = 0
for line in open(folded):
    stack, w = line.rsplit(" ", 1)
    stacks += 1
    if "[off-cpu:" in stack:
        off += int(w)
    else:
        on += int(w)
period = 1e9 / 199
fail = []
if int(got.get("samples/count", -1)) != on:
    fail.append(f"samples {got.get('samples/count')} != folded on-CPU {on}")
for key, weight in (("cpu/nanoseconds", on), ("offcpu/nanoseconds", off)):
    # Each sample's value is rounded on its own: at most 1 ns off a sample.
    if abs(int(got.get(key, -1)) - weight * period) > stacks:
        fail.append(f"{key} {got.get(key)} != {weight} x {period:.1f}")
print(f"wall_split: on-CPU {on} samples, off-CPU {off} samples; pprof {got}")
sys.exit("FAIL: " + "; ".join(fail) if fail else 0)
PY
	# A separator line before each sample and one after the last.
	n=$(($($P -traces "$tmp/w.pb.gz" 2>/dev/null | grep -c -- '^-----------+') - 1))
	[ "$n" = "$(grep -c . "$tmp/w.folded")" ] || fail "pprof -traces shows $n samples for $(grep -c . "$tmp/w.folded") folded stacks"
else
	echo "SKIP: the recorded part (record needs root)"
fi
[ "$fails" = 0 ] || exit 1
echo ok
