#!/bin/sh
# The GPU proof on a real GPU, in one run (issue 18 item 5): builds the CUDA
# examples (examples/cuda), records each under xpu-perf with --trace, checks
# the invariants, times each bare and recorded, and prints one table
# (written to $OUT/gpu_verify.txt too, with the raw outputs, when $OUT is set).
#
#   bench/gpu_verify.sh            on a machine where `nvidia-smi -L` lists a GPU
#   XPU_VERIFY_FIXTURE=1 bench/gpu_verify.sh
#                                  the same checks on the fixture app against
#                                  the mock libcupti (tests/shell/gpu_verify.sh)
#
# Checks per app: record exits 0; no GPU record dropped, every one under its
# launch stack; launches == kernels + copies/memsets (with graphs: fewer
# launches than records); every kernel's stack has main and the app's
# launcher; the trace's flows are complete (as many ends as starts, > 0).
# Under gVisor (`uname -r` 4.4.0: no eBPF) only the injector-side run is
# made: the app with the injector and a pipe reader, K records counted.
# Exit: 0 all checks passed, 1 a check failed, 2 no GPU (or no build).
set -u
cd "$(dirname "$0")/.."
XPU=${XPU:-build/xpu-perf}
out=${OUT:-}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
table="$tmp/table"
fails=0

if [ "${XPU_VERIFY_FIXTURE:-0}" = 1 ]; then
	export XPU_PERF_CUPTI="$PWD/build/fixtures/mock_cupti/libcupti.so"
	apps="launch_paths_app:play:graphs"
	bindir=build/fixtures
	bare_arg=--list  # without the injector it has nothing to play
	inject="--gpu-injector build/libxpu_cupti.so"
else
	if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
		echo "no GPU (nvidia-smi -L lists none): nothing to verify"
		exit 2
	fi
	nvidia-smi -L
	make -j"$(nproc)" build/xpu-perf cuda-examples >"$tmp/build.log" 2>&1 || {
		tail -20 "$tmp/build.log"; echo "build failed"; exit 2; }
	apps="vector_add:launch_vector_add many_kernels:launch_tiny_kernels many_kernels_ptds:launch_tiny_kernels"
	apps="$apps graph_launch:launch_graph:graphs driver_launch:launch_scale_kernel memcpy_memset:launch_copies"
	apps="$apps vector_add_static:launch_vector_add"
	bindir=build/examples/cuda
	bare_arg=""
	inject=""
fi
ebpf=1
[ "$(uname -r)" = 4.4.0 ] && ebpf=0  # gVisor: no eBPF

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
fail() { echo "FAIL $app: $*"; fails=$((fails + 1)); status=FAIL; }

printf '%-20s %6s %8s %8s %9s %9s %8s  %s\n' app launch kernels copies bare_s rec_s overhead status >"$table"
for spec in $apps; do
	# app:launcher[:graphs] (graphs: a launch has several kernels)
	app=${spec%%:*}; launcher=${spec#*:}; launcher=${launcher%%:*}; status=ok
	bin="$bindir/$app"
	[ -x "$bin" ] || { fail "not built ($bin)"; continue; }
	# shellcheck disable=SC2086
	t0=$(now); "$bin" $bare_arg >"$tmp/$app.bare" 2>&1 || fail "bare run exited $?"; t1=$(now)
	if [ $ebpf = 0 ]; then
		# Injector side only: the app with the injector and a reader on its pipe.
		mkfifo "$tmp/$app.pipe"; cat "$tmp/$app.pipe" >"$tmp/$app.stream" &
		reader=$!
		t2=$(now)
		CUDA_INJECTION64_PATH="$PWD/build/libxpu_cupti.so" XPU_PERF_PIPE="$tmp/$app.pipe" "$bin" \
			>"$tmp/$app.out" 2>"$tmp/$app.err" || fail "injected run exited $?"
		t3=$(now); wait $reader
		k=$(grep -c '^K' "$tmp/$app.stream"); m=$(grep -c '^[MZ]' "$tmp/$app.stream")
		grep -q '^E	[0-9]*	atexit' "$tmp/$app.stream" || fail "stream has no E atexit record"
		[ "$k" -gt 0 ] || fail "no kernel records"
		l=-
	else
		t2=$(now)
		# shellcheck disable=SC2086
		"$XPU" record -F 999 $inject -o "$tmp/$app.folded" --trace "$tmp/$app.json" -- "$bin" \
			>"$tmp/$app.out" 2>"$tmp/$app.err" || fail "record exited $?"
		t3=$(now)
		line=$(grep 'GPU: [0-9]* launches' "$tmp/$app.err")
		l=$(echo "$line" | sed -n 's/.*GPU: \([0-9]*\) launches.*/\1/p')
		k=$(echo "$line" | sed -n 's/.* \([0-9]*\) kernels.*/\1/p')
		m=$(echo "$line" | sed -n 's/.* \([0-9]*\) copies.*/\1/p')
		[ -n "$l" ] && [ -n "$k" ] && [ -n "$m" ] || { fail "no GPU summary line"; l=0 k=0 m=0; }
		echo "$line" | grep -q '100.0% under their launch stack' || fail "work not under its launch stack"
		echo "$line" | grep -q ', 0 dropped' || fail "records dropped"
		case $spec in
		*:graphs) [ "$l" -gt 0 ] && [ "$l" -lt $((k + m)) ] || fail "launches $l, kernels $k + copies/memsets $m: no fan-out" ;;
		*) [ "$l" = $((k + m)) ] || fail "launches $l != kernels $k + copies/memsets $m" ;;
		esac
		bad=$(grep '\[GPU_Kernel\]' "$tmp/$app.folded" | grep -v ";main;.*$launcher" | head -1)
		[ -z "$bad" ] || fail "a kernel stack without main and $launcher: $bad"
		python3 - "$tmp/$app.json" <<'PY' || fail "trace flows incomplete"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
s = sorted(e["id"] for e in ev if e.get("ph") == "s")
f = sorted(e["id"] for e in ev if e.get("ph") == "f")
sys.exit(0 if s and len(f) == len(s) else 1)
PY
	fi
	bare=$(secs "$t0" "$t1"); rec=$(secs "$t2" "$t3")
	over=$(awk -v a="$bare" -v b="$rec" 'BEGIN { printf "%.0f%%", (a > 0 ? 100 * (b - a) / a : 0) }')
	printf '%-20s %6s %8s %8s %9s %9s %8s  %s\n' "$app" "$l" "$k" "$m" "$bare" "$rec" "$over" "$status" >>"$table"
done

echo "kernel $(uname -r), eBPF $([ $ebpf = 1 ] && echo yes || echo 'no (gVisor): injector-side checks only')"
cat "$table"
if [ -n "$out" ]; then
	mkdir -p "$out"
	cp "$table" "$out/gpu_verify.txt"
	cp "$tmp"/*.err "$tmp"/*.folded "$out/" 2>/dev/null
fi
[ $fails = 0 ] && echo "all checks passed" && exit 0
echo "$fails checks failed"; exit 1
