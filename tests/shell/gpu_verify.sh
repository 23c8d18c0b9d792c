#!/bin/sh
# bench/gpu_verify.sh without a GPU: says "no GPU" and exits 2; its checks
# pass on the fixture app against the mock libcupti (XPU_VERIFY_FIXTURE=1):
# the trace's GPU time equals record's (82 ms: 41 records of 2 ms), sync
# blame under cudaStreamSynchronize weighs its 100 ms wait, the CUPTI
# conflict (XPU_MOCK_CUPTI_BUSY) leaves the app whole and names the holder,
# the GPU-only rows say "skipped: no GPU"; they fail when record fails.
# bench/gpu_verify_checks.py on hand-made inputs: each check fails on what
# breaks it; its FDE count equals readelf's. Exit 0 pass, 1 fail, 2 skip.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (eBPF)"; exit 2; }
[ -x build/fixtures/launch_paths_app ] || { echo "SKIP: built without CUPTI headers"; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# No nvidia-smi on the PATH (this machine has none anyway).
mkdir "$tmp/bin"; ln -s "$(command -v dirname)" "$(command -v date)" "$(command -v mktemp)" "$(command -v rm)" "$tmp/bin/"
PATH="$tmp/bin" /bin/sh bench/gpu_verify.sh >"$tmp/nogpu" 2>&1; rc=$?
{ [ $rc = 2 ] && grep -q '^no GPU' "$tmp/nogpu"; } || { echo "FAIL: no-GPU path rc=$rc"; cat "$tmp/nogpu"; exit 1; }
XPU_VERIFY_FIXTURE=1 OUT="$tmp/out" sh bench/gpu_verify.sh >"$tmp/ok" 2>&1 || {
	echo "FAIL: fixture checks"; cat "$tmp/ok"; exit 1; }
grep -q '^launch_paths_app *33 *28 *13 *82.00 *82.000 .* ok$' "$tmp/ok" || { echo "FAIL: table"; cat "$tmp/ok"; exit 1; }
for want in \
	'^sync_blame *ok: \[GPU_Wait\] under cudaStreamSynchronize: \[GPU_Wait\]k_b,\[GPU_Wait\]\[idle\],\[GPU_Wait\]k_a 100.100 ms, the calls. wall 100.000 ms' \
	'^sync_spin *skipped: no GPU$' '^sync_block *skipped: no GPU$' '^python_cuda *skipped: no GPU$' \
	'^conflict *seen: app exit 0; xpu-perf: cuptiSubscribe_v2: .*CUPTI is held by "CUPTI for Nsight Systems"' \
	'^fde *skipped: no GPU$' '^nsys *skipped: no GPU$' \
	'^gpu_verify: 1 apps, 2 ok, 0 failed, 5 skipped, 1 seen; exit 0$'; do
	grep -q "$want" "$tmp/ok" || { echo "FAIL: no row $want"; cat "$tmp/ok"; exit 1; }
done
# The injector's side alone (as under gVisor): K records counted, no blame.
XPU_VERIFY_FIXTURE=1 XPU_VERIFY_NO_EBPF=1 sh bench/gpu_verify.sh >"$tmp/inj" 2>&1 || {
	echo "FAIL: injector-side checks"; cat "$tmp/inj"; exit 1; }
for want in 'mode: fixture (mock libcupti), injector side only (no eBPF)' '^launch_paths_app *- *28 *13 .* ok$' \
	'^sync_blame *skipped: no eBPF here$' '^conflict *seen: app exit 0; .*held by "CUPTI for Nsight Systems" (1 warnings)'; do
	grep -q "$want" "$tmp/inj" || { echo "FAIL: injector side: no $want"; cat "$tmp/inj"; exit 1; }
done
{ grep -q 'launch_paths_app' "$tmp/out/gpu_verify.txt" && [ -s "$tmp/out/sync.folded" ]; } ||
	{ echo "FAIL: no table or outputs under \$OUT"; exit 1; }
XPU_VERIFY_FIXTURE=1 XPU=/bin/false sh bench/gpu_verify.sh >"$tmp/bad" 2>&1; rc=$?
{ [ $rc = 1 ] && grep -q 'FAIL launch_paths_app: record exited 1' "$tmp/bad" &&
	grep -q '^sync_blame *FAIL: record exited 1' "$tmp/bad" && grep -q '^conflict *FAIL: ' "$tmp/bad"; } || {
	echo "FAIL: a failed record not reported (rc=$rc)"; cat "$tmp/bad"; exit 1; }

# The checks on inputs made to break them.
chk() { python3 bench/gpu_verify_checks.py "$@" >"$tmp/chk" 2>&1; }
printf '%s\n' '{"traceEvents":[{"ph":"X","cat":"kernel","dur":1500.5},{"ph":"X","cat":"gpu_memcpy","dur":500},' \
	'{"ph":"X","cat":"cuda_sync","dur":7},{"ph":"s","id":1},{"ph":"s","id":2},{"ph":"f","id":1}]}' >"$tmp/t.json"
chk trace "$tmp/t.json" && { echo "FAIL: an unended flow passed"; exit 1; }
grep -q '^gpu_ms=2.000500 kernel_ms=1.500500 flows=2/1 sync_ms=0.007000$' "$tmp/chk" || {
	echo "FAIL: trace sums"; cat "$tmp/chk"; exit 1; }
printf '%s\n' 'a;main;wait;cudaStreamSynchronize;[GPU_Wait]k 999' 'a;main;cudaStreamSynchronize;[GPU_Wait]k 5' \
	'a;main;wait;cudaStreamSynchronize;x;[GPU_Wait]k 7' >"$tmp/w.folded"
{ chk wait "$tmp/w.folded" 999 wait cudaStreamSynchronize "$tmp/t.json" && grep -q '^blame_ms=1000.000 ' "$tmp/chk"; } ||
	{ echo "FAIL: wait blame"; cat "$tmp/chk"; exit 1; }
chk wait "$tmp/w.folded" 999 other cudaStreamSynchronize "$tmp/t.json" && { echo "FAIL: no blame passed"; exit 1; }
printf '%s\n' 'python3;main (train_mlp.py:61);train_step (train_mlp.py:34);cudaLaunchKernel;[GPU_Kernel]gemm 95' \
	'python3;main;cuLaunchKernel;[GPU_Kernel]init 5' >"$tmp/p.folded"
{ chk python "$tmp/p.folded" &&
	grep -q 'under_python=95.0% under_train_step_or_forward=95.0% apis=cuLaunchKernel,cudaLaunchKernel' "$tmp/chk"; } ||
	{ echo "FAIL: kernels under Python"; cat "$tmp/chk"; exit 1; }
sed -i 's/ 5$/ 50/' "$tmp/p.folded"
chk python "$tmp/p.folded" && { echo "FAIL: 65% of kernels under Python passed"; exit 1; }
chk fde build/xpu-perf || { echo "FAIL: fde"; cat "$tmp/chk"; exit 1; }
if command -v readelf >/dev/null; then
	n=$(readelf -wf build/xpu-perf | grep -c ' FDE ')
	grep -q "^build/xpu-perf: $n FDEs cover 9[0-9].[0-9]% of" "$tmp/chk" || {
		echo "FAIL: fde count, readelf says $n"; cat "$tmp/chk"; exit 1; }
fi
chk fde /etc/hostname && { echo "FAIL: fde on a non-ELF passed"; exit 1; }
echo PASS
