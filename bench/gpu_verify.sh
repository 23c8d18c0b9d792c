#!/bin/sh
# The GPU proof on a real GPU, in one run (issue 18 item 5): builds, records
# each CUDA example (examples/cuda) under xpu-perf with --trace, checks the
# invariants, runs the checks GPU.md lists for a machine with a GPU, and
# prints one table (written to $OUT/gpu_verify.txt too, with the raw
# outputs and build logs, when $OUT is set). bench/GPU_RUN.md says how to
# run it on a lent GPU.
#
#   bench/gpu_verify.sh            on a machine where `nvidia-smi -L` lists a GPU
#   XPU_VERIFY_FIXTURE=1 bench/gpu_verify.sh
#                                  the same checks on the fixture app against
#                                  the mock libcupti (tests/shell/gpu_verify.sh);
#                                  those that need a GPU say "skipped: no GPU"
#
# The table's first part, one row per app: record exits 0; no GPU record
# dropped, every one under its launch stack; launches == kernels +
# copies/memsets (with graphs: fewer launches than records); every
# kernel's stack has main and the app's launcher; the trace's flows are
# complete; the trace's GPU durations summed (gpu_ms there) == the GPU time
# record's summary gives (gpu_ms, to its 0.01 ms).
# Its second part, one row per check ("ok", "FAIL", "skipped: why", or
# "seen": an observation that fails only when the app is harmed):
#   build, build_examples  make build/xpu-perf, cuda-examples (a failure is reported
#                 and the rest runs as far as it can: injector side only)
#   sync_spin     examples/cuda/sync_wait (fixture: launch_paths_app --sync):
#   sync_block    [GPU_Wait]<kernel> under the synchronizing call's stack,
#                 weighing the calls' wall time (trace; and the app's own
#                 clock); the CPU time the app spent in the wait, default
#                 scheduling (spin) and cudaDeviceScheduleBlockingSync
#   python_cuda   examples/python/train_mlp.py --device cuda: kernels under
#                 train_step/MLP.forward above the launch API frame,
#                 launches == kernels + copies, 0 dropped
#   conflict      torch.profiler (Kineto) holding CUPTI in the app
#                 (fixture: XPU_MOCK_CUPTI_BUSY=1): the app completes,
#                 xpu-perf's warning, what it fell back to
#   fde_*         .eh_frame coverage of the libcuda, libcupti and libcudart
#                 the apps loaded, and their frame pointers (check --binary)
#   nsys          the same app under nsys profile, where nsys is installed
# Every step runs under `timeout`, within one budget for the whole run
# (XPU_VERIFY_BUDGET_S, default 380 s), so one hang cannot use up a lent
# GPU's minutes; the table under $OUT is rewritten after every row, so a
# run cut short still brings back what it measured. Under gVisor (`uname
# -r` 4.4.0: no eBPF), or when xpu-perf does not build but the injector
# does, only the injector's side runs: the app with the injector and a
# pipe reader, K records counted.
# Exit: 0 all checks passed, 1 a check failed, 2 no GPU (or no build).
set -u
cd "$(dirname "$0")/.." || exit 2
XPU=${XPU:-build/xpu-perf}
out=${OUT:-}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
table="$tmp/table"; checks="$tmp/checks"
: >"$checks"
freq=999
fails=0 oks=0 skips=0 seen=0 built=1 napps=0 mode=ebpf why="" step_s=150

if [ "${XPU_VERIFY_FIXTURE:-0}" = 1 ]; then
	fixture=1
	export XPU_PERF_CUPTI="$PWD/build/fixtures/mock_cupti/libcupti.so"
	apps="launch_paths_app:play:graphs"
	bindir=build/fixtures
	bare_arg=--list  # without the injector it has nothing to play
	inject="--gpu-injector build/libxpu_cupti.so"
else
	fixture=0
	if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
		echo "no GPU (nvidia-smi -L lists none): nothing to verify"
		exit 2
	fi
	timeout 30 nvidia-smi -L
	apps="vector_add:launch_vector_add many_kernels:launch_tiny_kernels many_kernels_ptds:launch_tiny_kernels"
	apps="$apps graph_launch:launch_graph:graphs driver_launch:launch_scale_kernel memcpy_memset:launch_copies"
	apps="$apps vector_add_static:launch_vector_add sync_wait:launch_spin"
	bindir=build/examples/cuda
	bare_arg=""
	inject=""
fi

chk() { python3 bench/gpu_verify_checks.py "$@"; }
now() { date +%s.%N; }
# lim SECS CMD...: CMD under `timeout`, cut to what is left of the whole
# run's budget (XPU_VERIFY_BUDGET_S, default 380 s), so that a hang costs
# one step and the table still comes back; out of time: status 124.
t_start=$(date +%s)
budget=${XPU_VERIFY_BUDGET_S:-380}
lim() {
	s=$1; shift
	left=$((budget - $(date +%s) + t_start))
	[ "$left" -gt 5 ] || { echo "xpu-perf gpu_verify: out of time (${budget} s budget): $*" >&2; return 124; }
	[ "$s" -lt "$left" ] || s=$left
	timeout -k 5 "$s" "$@"
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
fail() { echo "FAIL $app: $*"; fails=$((fails + 1)); status=FAIL; }
# row CHECK STATUS DETAIL: a row of the checks part of the table.
row() {
	case $1 in build*) ;; *) [ "$2" = FAIL ] && echo "FAIL $1: $3" ;; esac
	case $2 in ok) oks=$((oks + 1)) ;; FAIL) fails=$((fails + 1)) ;; seen) seen=$((seen + 1)) ;;
	*) skips=$((skips + 1)) ;; esac
	printf '%-14s %s: %s\n' "$1" "$2" "$3" >>"$checks"
	publish
}
# publish [LAST]: the table as it stands into $tmp/report, and into
# $OUT/gpu_verify.txt (after every row: a run cut short keeps its rows).
publish() {
	{
		echo "kernel $(uname -r), mode: $([ $fixture = 1 ] && echo 'fixture (mock libcupti), ')$(
			case $mode in ebpf) echo 'eBPF + injector' ;;
			injector) echo "injector side only ($why)" ;;
			*) echo 'nothing built' ;; esac)"
		cat "$table"
		printf '%-14s %s\n' check result
		cat "$checks"
		echo "${1:-(partial: still running)}"
	} >"$tmp/report"
	[ -z "$out" ] || { mkdir -p "$out" && cp "$tmp/report" "$out/gpu_verify.txt"; }
}
# field NAME TEXT: the value of NAME=value in TEXT.
field() { echo "$2" | sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
# near A B ABS REL: |A - B| <= ABS + REL * |B|.
near() { awk -v a="$1" -v b="$2" -v e="$3" -v r="$4" \
	'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(a != "" && d <= e + r * m) }'; }
# record NAME CMD...: the command under xpu-perf record with --trace (at most $step_s).
record() {
	name=$1; shift
	# shellcheck disable=SC2086
	lim "$step_s" env XPU_PERF_INJECTOR_DEBUG=1 "$XPU" record -F $freq $inject -o "$tmp/$name.folded" \
		--trace "$tmp/$name.json" -- "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
}
# inject NAME CMD...: the command with the injector and a reader on its pipe
# (the injector's side alone, no eBPF); the stream in $tmp/NAME.stream.
inject() {
	name=$1; shift
	mkfifo "$tmp/$name.pipe"
	cat "$tmp/$name.pipe" >"$tmp/$name.stream" &
	reader=$!
	lim "$step_s" env CUDA_INJECTION64_PATH="$PWD/build/libxpu_cupti.so" XPU_PERF_PIPE="$tmp/$name.pipe" \
		XPU_PERF_INJECTOR_DEBUG=1 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	# The reader ends at the app's exit, unless the app never opened the
	# pipe (no CUDA): then it still waits for a writer.
	n=0
	while kill -0 $reader 2>/dev/null && [ $n -lt 20 ]; do sleep 0.05; n=$((n + 1)); done
	kill $reader 2>/dev/null; wait $reader
	return $rc
}
gpu_line() { grep 'GPU: [0-9]* launches' "$tmp/$1.err" 2>/dev/null; }

printf '%-20s %6s %8s %8s %10s %10s %8s %8s %8s  %s\n' app launch kernels copies gpu_ms trace_ms \
	bare_s rec_s overhead status >"$table"

# --- build -----------------------------------------------------------------
if [ $fixture = 0 ]; then
	jobs=$(nproc)
	if [ "$XPU" = build/xpu-perf ] && [ -x build/xpu-perf-static ] && [ -f build/libxpu_cupti.so ]; then
		# Carried from a machine that builds (bench/GPU_RUN.md): the lent
		# machine may lack clang, bpftool and the -dev packages.
		XPU=build/xpu-perf-static
		row build ok "carried build/xpu-perf-static ($("$XPU" --version | sed -n 's/^git: //p'))"
	elif lim 300 make -j"$jobs" build/xpu-perf >"$tmp/build.log" 2>&1; then
		row build ok "make build/xpu-perf"
	else
		built=0
		tail -20 "$tmp/build.log"
		row build FAIL "make build/xpu-perf failed (build.log): $(grep -m1 -i 'error' "$tmp/build.log" | cut -c1-120)"
		lim 120 make -j"$jobs" cupti >"$tmp/build_injector.log" 2>&1
	fi
	if lim 180 make -j"$jobs" cuda-examples >"$tmp/build_examples.log" 2>&1; then
		row build_examples ok "make cuda-examples"
	else
		tail -20 "$tmp/build_examples.log"
		row build_examples FAIL "make cuda-examples failed (build_examples.log)"
	fi
fi
mode=ebpf
if [ ! -f build/libxpu_cupti.so ]; then
	mode=none
elif [ "$(uname -r)" = 4.4.0 ] || [ "${XPU_VERIFY_NO_EBPF:-0}" = 1 ]; then
	mode=injector why="no eBPF"  # gVisor (XPU_VERIFY_NO_EBPF=1: as if, for the tests)
elif [ $built = 0 ]; then
	mode=injector why="xpu-perf not built"
elif [ "$(id -u)" != 0 ]; then
	mode=injector why="not root: no eBPF"
fi

# check_recorded: the checks of one app's record run ($app, $spec, $launcher).
check_recorded() {
	line=$(gpu_line "$app")
	l=$(echo "$line" | sed -n 's/.*GPU: \([0-9]*\) launches.*/\1/p')
	k=$(echo "$line" | sed -n 's/.* \([0-9]*\) kernels.*/\1/p')
	m=$(echo "$line" | sed -n 's/.* \([0-9]*\) copies.*/\1/p')
	gms=$(echo "$line" | sed -n 's/.* \([0-9.]*\) ms of GPU time.*/\1/p')
	if [ -z "$l" ] || [ -z "$k" ] || [ -z "$m" ]; then fail "no GPU summary line"; l=0 k=0 m=0; fi
	echo "$line" | grep -q '100.0% under their launch stack' || fail "work not under its launch stack"
	echo "$line" | grep -q ', 0 dropped' || fail "records dropped"
	case $spec in
	*:graphs) if [ "$l" = 0 ] || [ "$l" -ge $((k + m)) ]; then
		fail "launches $l, kernels $k + copies/memsets $m: no fan-out"; fi ;;
	*) [ "$l" = $((k + m)) ] || fail "launches $l != kernels $k + copies/memsets $m" ;;
	esac
	bad=$(grep '\[GPU_Kernel\]' "$tmp/$app.folded" 2>/dev/null | grep -v ";main;.*$launcher" | head -1)
	[ -z "$bad" ] || fail "a kernel stack without main and $launcher: $bad"
	sums=$(chk trace "$tmp/$app.json" 2>&1) || fail "trace flows incomplete: $sums"
	tms=$(field gpu_ms "$sums"); tms=${tms:--}
	# The summary prints ms to 2 decimals: equal to within its rounding.
	near "$tms" "${gms:-x}" 0.0051 0 || fail "trace's GPU time $tms ms != record's ${gms:-?} ms"
	[ -n "$gms" ] || gms=-
	case $tms in -) ;; *) tms=$(awk -v t="$tms" 'BEGIN { printf "%.3f", t }') ;; esac
}

# --- each app under record ---------------------------------------------------
for spec in $apps; do
	# app:launcher[:graphs] (graphs: a launch has several kernels)
	app=${spec%%:*}; launcher=${spec#*:}; launcher=${launcher%%:*}; status=ok
	napps=$((napps + 1))
	bin="$bindir/$app"
	[ $mode != none ] || { fail "no injector built"; continue; }
	[ -x "$bin" ] || { fail "not built ($bin)"; continue; }
	# shellcheck disable=SC2086
	t0=$(now); lim 60 "$bin" $bare_arg >"$tmp/$app.bare" 2>&1 || fail "bare run exited $?"; t1=$(now)
	l=- gms=- tms=-
	if [ $mode = injector ]; then
		t2=$(now); inject "$app" "$bin"; rc=$?; t3=$(now)
		k=$(grep -c '^K' "$tmp/$app.stream"); m=$(grep -c '^[MZ]' "$tmp/$app.stream")
		if [ $rc != 0 ]; then
			fail "injected run exited $rc"
		else
			grep -q '^E	[0-9]*	atexit' "$tmp/$app.stream" || fail "stream has no E atexit record"
			[ "$k" -gt 0 ] || fail "no kernel records"
		fi
	else
		t2=$(now); record "$app" "$bin"; rc=$?; t3=$(now)
		if [ $rc = 0 ]; then check_recorded; else fail "record exited $rc"; k=- m=-; fi
	fi
	bare=$(secs "$t0" "$t1"); rec=$(secs "$t2" "$t3")
	over=$(awk -v a="$bare" -v b="$rec" 'BEGIN { printf "%.0f%%", (a > 0 ? 100 * (b - a) / a : 0) }')
	printf '%-20s %6s %8s %8s %10s %10s %8s %8s %8s  %s\n' "$app" "$l" "$k" "$m" "$gms" "$tms" "$bare" "$rec" \
		"$over" "$status" >>"$table"
	[ $status = FAIL ] || oks=$((oks + 1))
	publish
done

# --- sync blame, spin vs block (GPU.md check 5) ------------------------------
# sync_check ROW NAME FRAME API CMD...: [GPU_Wait] under FRAME;...;API weighs
# the calls' wall time in the trace (and the app's own, where it prints it).
sync_check() {
	r=$1 name=$2 frame=$3 api=$4; shift 4
	cpu=""
	if [ $fixture = 0 ]; then
		# The bare run's own clocks: CPU time inside the wait, against its wall time.
		lim 60 "$@" >"$tmp/$name.bare" 2>&1
		cpu="bare: cpu $(sed -n 's/.*sync_cpu_ms \([0-9.]*\).*/\1/p' "$tmp/$name.bare") ms of wall"
		cpu="$cpu $(sed -n 's/.*sync_wall_ms \([0-9.]*\).*/\1/p' "$tmp/$name.bare") ms"
	fi
	if [ $mode != ebpf ]; then
		if [ -n "$cpu" ]; then row "$r" seen "$cpu; blame: skipped: no eBPF here"
		else row "$r" skipped "no eBPF here"; fi
		return
	fi
	record "$name" "$@" || { row "$r" FAIL "record exited $?"; return; }
	w=$(chk wait "$tmp/$name.folded" $freq "$frame" "$api" "$tmp/$name.json" 2>&1) ||
		{ row "$r" FAIL "no [GPU_Wait] under $frame;...;$api ($w)"; return; }
	blame=$(field blame_ms "$w") wall=$(field trace_ms "$w")
	detail="[GPU_Wait] under $api: $(field leaves "$w") $blame ms, the calls' wall $wall ms (trace)"
	near "$blame" "$wall" 1 0.01 || { row "$r" FAIL "$detail: unequal${cpu:+; $cpu}"; return; }
	app_ms=$(sed -n 's/.*sync_wall_ms \([0-9.]*\).*/\1/p' "$tmp/$name.out")
	if [ -n "$app_ms" ]; then
		# Both waits (warm-up and the long one) are blamed; the app times the long one.
		detail="$detail, the app's $app_ms ms"
		near "$blame" "$app_ms" 5 0.05 || { row "$r" FAIL "$detail: unequal${cpu:+; $cpu}"; return; }
	fi
	row "$r" ok "$detail${cpu:+; $cpu}"
}
if [ $fixture = 1 ]; then
	sync_check sync_blame sync wait_stream cudaStreamSynchronize build/fixtures/launch_paths_app --sync
	row sync_spin skipped "no GPU"
	row sync_block skipped "no GPU"
elif [ -x build/examples/cuda/sync_wait ]; then
	sync_check sync_spin sync_spin wait_for_gpu cudaStreamSynchronize build/examples/cuda/sync_wait 300
	sync_check sync_block sync_block wait_for_gpu cudaStreamSynchronize build/examples/cuda/sync_wait --blocking 300
else
	row sync_spin FAIL "examples/cuda/sync_wait not built"
	row sync_block FAIL "examples/cuda/sync_wait not built"
fi

# --- the Python-driven example on the GPU -----------------------------------
torch_cuda=0
if [ $fixture = 1 ]; then
	row python_cuda skipped "no GPU"
elif ! lim 90 python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)' \
	>"$tmp/torch.out" 2>&1; then
	row python_cuda skipped "torch without CUDA here: $(tail -1 "$tmp/torch.out" | cut -c1-100)"
elif [ $mode = ebpf ]; then
	torch_cuda=1
	if ! record python_cuda python3 examples/python/train_mlp.py --device cuda --seconds 3; then
		row python_cuda FAIL "record exited $? ($(tail -1 "$tmp/python_cuda.err"))"
	else
		line=$(gpu_line python_cuda)
		l=$(echo "$line" | sed -n 's/.*GPU: \([0-9]*\) launches.*/\1/p')
		k=$(echo "$line" | sed -n 's/.* \([0-9]*\) kernels.*/\1/p')
		m=$(echo "$line" | sed -n 's/.* \([0-9]*\) copies.*/\1/p')
		py=$(chk python "$tmp/python_cuda.folded" 2>&1); pyok=$?
		detail="$(cat "$tmp/python_cuda.out"), launches $l, kernels $k, copies $m; $py"
		if [ -z "$l" ] || [ -z "$k" ] || [ -z "$m" ]; then
			row python_cuda FAIL "no GPU summary line"
		elif ! echo "$line" | grep -q ', 0 dropped'; then
			row python_cuda FAIL "records dropped: $line"
		elif [ "$l" -gt $((k + m)) ]; then
			row python_cuda FAIL "$detail: more launches than GPU records"
		elif [ $pyok != 0 ]; then
			row python_cuda FAIL "$detail: kernels not under Python frames"
		else
			# Fewer launches than records: CUDA graphs fan out.
			row python_cuda ok "$detail"
		fi
	fi
else
	torch_cuda=1
	if inject python_cuda python3 examples/python/train_mlp.py --device cuda --seconds 3; then
		row python_cuda ok "$(cat "$tmp/python_cuda.out"), $(grep -c '^K' "$tmp/python_cuda.stream") kernel records (injector side only)"
	else
		row python_cuda FAIL "injected run exited $?"
	fi
fi

# --- a second CUPTI subscriber (GPU.md check 4): an observation ---------------
# conflict NAME DONE CMD...: the app completes (its output has DONE), and
# what xpu-perf said and fell back to.
conflict() {
	name=$1 done=$2; shift 2
	if [ $mode = ebpf ]; then record "$name" "$@"; else inject "$name" "$@"; fi
	rc=$?
	said=$(grep -h 'GPU warning: \|^W	' "$tmp/$name.err" "$tmp/$name.stream" 2>/dev/null |
		grep -i -m1 'subscri\|CUPTI' | sed 's/.*GPU warning: //; s/^W	[0-9]*	[0-9]*	//' | cut -c1-160)
	nwarn=$(cat "$tmp/$name.err" "$tmp/$name.stream" 2>/dev/null | grep -c 'GPU warning: \|^W	')
	fell=$(gpu_line "$name" | sed 's/.*GPU: //; s/, [0-9.]* ms of GPU time.*//')
	kineto=$(sed -n 's/.*kineto_cuda_events \([0-9]*\).*/\1/p' "$tmp/$name.out")
	detail="app exit $rc; xpu-perf: ${said:-no CUPTI warning} ($nwarn warnings); got: ${fell:--}"
	[ -z "$kineto" ] || detail="$detail; torch.profiler saw $kineto CUDA events"
	if [ $rc != 0 ] || ! grep -q "$done" "$tmp/$name.out"; then
		row conflict FAIL "the app was harmed: $detail"
	else
		row conflict seen "$detail"
	fi
}
if [ $fixture = 1 ]; then
	export XPU_MOCK_CUPTI_BUSY=1
	conflict conflict 'played 33 paths' build/fixtures/launch_paths_app
	unset XPU_MOCK_CUPTI_BUSY
elif [ $torch_cuda = 1 ]; then
	cat >"$tmp/conflict.py" <<'PY'
import torch
from torch.profiler import ProfilerActivity, profile

with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
    x = torch.randn(512, 512, device="cuda")
    for _ in range(20):
        x = torch.nn.functional.normalize(x @ x)
    torch.cuda.synchronize()
n = sum(1 for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA)
print(f"conflict: done, kineto_cuda_events {n}")
PY
	step_s=90 && conflict conflict 'conflict: done' python3 "$tmp/conflict.py"; step_s=150
else
	row conflict skipped "torch without CUDA here"
fi

# --- FDE coverage of the CUDA libraries the apps loaded (GPU.md check 2) ----
if [ $fixture = 1 ]; then
	row fde skipped "no GPU"
else
	# libcudart and libcuda as the loader resolves them for the examples;
	# libcupti as the injector loaded it (its debug line in the apps' stderr).
	resolved() { ldd "$1" 2>/dev/null | sed -n "s|^[[:space:]]*$2[^ ]* => \(/[^ ]*\) .*|\1|p" | head -1; }
	cudart=$(resolved build/examples/cuda/sync_wait libcudart.so)
	cuda=$(resolved build/examples/cuda/driver_launch libcuda.so)
	[ -n "$cuda" ] || cuda=$(ldconfig -p 2>/dev/null | sed -n 's/.*libcuda.so.1 .*=> //p' | head -1)
	cupti=$(cat "$tmp"/*.err 2>/dev/null | sed -n 's/.*injector\[[0-9]*\]: CUPTI: //p' | head -1)
	for lib in "libcuda:$cuda" "libcupti:$cupti" "libcudart:$cudart"; do
		r=fde_${lib%%:*} path=${lib#*:}
		[ -n "$path" ] || { row "$r" FAIL "not found (no app loaded it?)"; continue; }
		path=$(readlink -f "$path")
		cov=$(lim 60 python3 bench/gpu_verify_checks.py fde "$path" 2>&1) || { row "$r" FAIL "$cov"; continue; }
		fp=""
		[ $built = 0 ] || fp=$(lim 60 "$XPU" check --binary "$path" 2>/dev/null |
			sed -n 's/.*binary_frame_pointers *[^:]*: \([0-9]* of [0-9]* functions ([0-9]*%) keep frame pointers\).*/\1/p')
		row "$r" seen "$cov${fp:+; $fp}"
	done
fi

# --- nsys, where it is installed -------------------------------------------
if [ $fixture = 1 ]; then
	row nsys skipped "no GPU"
elif ! command -v nsys >/dev/null 2>&1; then
	row nsys skipped "not installed"
elif [ -x build/examples/cuda/many_kernels ]; then
	t0=$(now)
	if lim 120 nsys profile --force-overwrite true -o "$tmp/nsys_many_kernels" \
		build/examples/cuda/many_kernels >"$tmp/nsys.out" 2>&1; then
		t1=$(now)
		rec=$(awk '$1 == "many_kernels" { print $8 " s under xpu-perf, bare " $7 " s" }' "$table")
		row nsys seen "many_kernels: $(secs "$t0" "$t1") s under nsys profile; ${rec:-no xpu-perf run}"
	else
		row nsys FAIL "nsys profile exited $? (nsys.out)"
	fi
fi

code=0
[ $fails = 0 ] || code=1
[ $built = 1 ] || code=2  # as when there is no GPU: nothing proven either way
summary="gpu_verify: $napps apps, $oks ok, $fails failed, $skips skipped, $seen seen; exit $code"
publish "$summary"
cat "$tmp/report"
if [ -n "$out" ]; then
	for f in "$tmp"/*.err "$tmp"/*.out "$tmp"/*.folded "$tmp"/*.log; do
		[ -f "$f" ] && cp "$f" "$out/"
	done
fi
exit $code
