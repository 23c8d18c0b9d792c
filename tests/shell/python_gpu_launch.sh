#!/bin/sh
# GPU kernels launched from Python through ctypes hang under the Python
# functions that launched them, for each interpreter present (Debian's
# python3.11, pyenv 3.10/3.11/3.12/3.13; an absent one is a skip, by name).
# tests/fixtures/python/gpu_launch.py calls libpy_launch.so's launch_k,
# which plays cudaLaunchKernel against the mock libcupti (the injector and
# the uprobe are the real ones): train_step launches k_train 30 times,
# evaluate k_eval 10 times, each kernel 1 ms by the mock's clock, so at
# -F 1000 the folded weights are exactly 30 and 10. Every k_train row must be
#   ... <module> (gpu_launch.py:CALL);train_step (gpu_launch.py:LAUNCH);
#   NATIVE...;launch_k;cudaLaunchKernel;[GPU_Kernel]k_train
# with exactly those two Python frames, <module> first, the lines those of
# the calls, at least one native (ctypes/libffi) frame between train_step
# and launch_k, and no truncation or unknown frame anywhere; k_eval the
# same under evaluate. The script waits twice on a FIFO (gpu_launch.py says
# why); go_when_ready answers from the profiler's -vv log, so no sleep.
# XPU_TEST_CALL_GRAPH=fp runs it with frame pointers
# only, which walk no further than libffi's call frame: it must then fail.
. "$(dirname "$0")/lib/bpf_test.sh"
. tests/shell/lib/pythons.sh

for f in $B/libxpu_cupti.so $B/fixtures/mock_cupti/libcupti.so $B/fixtures/libpy_launch.so; do
	[ -r "$f" ] || { echo "SKIP: no $f (make fixtures; built only with CUDA's CUPTI headers)"; exit 2; }
done
cg=${XPU_TEST_CALL_GRAPH:-auto}

# Reads the profiler's -vv log and writes the two lines the script waits
# for to the FIFO $1: once the profiler has read the maps that hold
# libpy_launch.so (its table's line, then the end of that read), and once it
# has read the Python names of 3 launch stacks (the warm-up's, train_step's
# and evaluate's). Reads on to the end, so that the log never blocks.
go_when_ready() {
	seen=0 sent=0 named=0
	while IFS= read -r line; do
		case $line in
		*"unwind table "*libpy_launch.so:*) seen=1 ;;
		*": maps read, "*" described to the unwinder")
			[ $seen = 1 ] && [ $sent = 0 ] && echo go >"$1" && sent=1 ;;
		*"GPU: Python names read for "*" new launch stacks")
			n=${line#*read for }; named=$((named + ${n%% *}))
			[ $sent = 1 ] && [ $named -ge 3 ] && echo go >"$1" && sent=2 ;;
		esac
	done
}

ran=0
find_pythons all
for py in $PYTHONS; do
	ran=1
	go=
	if [ "$cg" != fp ]; then  # fp: no tables to wait for
		go=$tmp/go
		rm -f "$go"; mkfifo "$go"
		exec 3<>"$go"  # a reader that never blocks the writer's open
	fi
	{ XPU_PERF_CUPTI=$B/fixtures/mock_cupti/libcupti.so $B/xpu-perf -vv record -F 1000 --gpu-only \
		--call-graph "$cg" --gpu-injector $B/libxpu_cupti.so -o "$tmp/out.folded" \
		"$py" tests/fixtures/python/gpu_launch.py $B/fixtures/libpy_launch.so ${go:+"$go"} \
		2>&1 >"$tmp/out" 3>&-; echo $? >"$tmp/rc"; } | tee "$tmp/err" | go_when_ready "$go" 3>&-
	[ -n "$go" ] && exec 3>&-
	[ "$(cat "$tmp/rc")" = 0 ] || { echo "$py: record failed"; cat "$tmp/err"; exit 1; }
	python3 - "$tmp/out.folded" "$tmp/err" "$tmp/out" "$py" "$go" <<'PY' || { grep -v '^xpu-perf: unwind table' "$tmp/err"; exit 1; }
import re, sys
folded, err, out, py, go = sys.argv[1:6]
log = open(err).read()
line = dict(re.findall(r"^line:(\S+)=(\d+)$", log, re.M))
at = lambda key: line.get(key, "?")  # noqa: E731
ok = True

def check(cond, what):
    global ok
    if not cond:
        print(f"{py}: FAIL: {what}")
        ok = False

check(open(out).read() == "launched k_train=30 k_eval=10\n", "the script's own output")
check("no go within" not in log, "the script's wait for the profiler's log timed out")
# With the FIFO, a warm-up launch too (its stack may predate the maps' read).
n = 41 if go else 40
check(f"GPU: {n} launches, {n} kernels, 0 copies/memsets, 100.0% under their launch stack, "
      f"{n}.00 ms of GPU time, 0 dropped" in log, "the GPU summary line")
want = {"k_train": ("train_step", 30), "k_eval": ("evaluate", 10)}
got = {k: 0 for k in want}
for row in open(folded):
    stack, n = row.rsplit(" ", 1)
    frames, n = stack.split(";"), int(n)
    # 3.10 runs each Python call in its own eval call: its call plumbing,
    # _PyEval_Vector, sits between caller and callee (3.11+ have none).
    if py.endswith("python3.10"):
        frames = [f for f in frames if f != "_PyEval_Vector"]
    kernel = frames[-1].removeprefix("[GPU_Kernel]")
    if kernel not in want:
        continue
    fn, _ = want[kernel]
    pyf = [i for i, f in enumerate(frames) if "(gpu_launch.py" in f]
    names = [frames[i] for i in pyf]
    expect = [f"<module> (gpu_launch.py:{at('call:' + fn)})", f"{fn} (gpu_launch.py:{at('launch:' + fn)})"]
    good = (names == expect and pyf[1] == pyf[0] + 1
            and frames[-3:] == ["launch_k", "cudaLaunchKernel", frames[-1]]
            and len(frames) - 3 > pyf[1] + 1  # a native frame between
            and not any(f.startswith(("[truncated", "[python:", "[stack]", "[unknown]")) for f in frames))
    check(good, f"{kernel} x{n} under: {stack}")
    if good:
        got[kernel] += n
for kernel, (fn, n) in want.items():
    check(got[kernel] == n, f"{kernel}: {got[kernel]} ms under {fn}, want {n}")
    print(f"{py}: {kernel}: {got[kernel]} of {n} ms under {fn} (gpu_launch.py:{at('launch:' + fn)})")
sys.exit(0 if ok else 1)
PY
done
[ $ran = 1 ] || { echo "SKIP: no CPython 3.10-3.13 here"; exit 2; }
echo ok
