#!/bin/sh
# bench/gpu_verify.sh without a GPU: says "no GPU" and exits 2; its checks
# pass on the fixture app against the mock libcupti (XPU_VERIFY_FIXTURE=1)
# and fail when record fails. Exit 0 pass, 1 fail, 2 skip.
set -u
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (eBPF)"; exit 2; }
[ -x build/fixtures/launch_paths_app ] || { echo "SKIP: built without CUPTI headers"; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# No nvidia-smi on the PATH (this machine has none anyway).
mkdir "$tmp/bin"; ln -s "$(command -v dirname)" "$(command -v date)" "$(command -v mktemp)" "$(command -v rm)" "$tmp/bin/"
PATH="$tmp/bin" /bin/sh bench/gpu_verify.sh >"$tmp/nogpu" 2>&1; rc=$?
[ $rc = 2 ] && grep -q '^no GPU' "$tmp/nogpu" || { echo "FAIL: no-GPU path rc=$rc"; cat "$tmp/nogpu"; exit 1; }
XPU_VERIFY_FIXTURE=1 OUT="$tmp/out" sh bench/gpu_verify.sh >"$tmp/ok" 2>&1 || {
	echo "FAIL: fixture checks"; cat "$tmp/ok"; exit 1; }
grep -q '^launch_paths_app *33 *28 *13 .* ok$' "$tmp/ok" || { echo "FAIL: table"; cat "$tmp/ok"; exit 1; }
grep -q 'launch_paths_app' "$tmp/out/gpu_verify.txt" || { echo "FAIL: no table under \$OUT"; exit 1; }
XPU_VERIFY_FIXTURE=1 XPU=/bin/false sh bench/gpu_verify.sh >"$tmp/bad" 2>&1; rc=$?
[ $rc = 1 ] && grep -q 'FAIL launch_paths_app: record exited 1' "$tmp/bad" || {
	echo "FAIL: a failed record not reported (rc=$rc)"; cat "$tmp/bad"; exit 1; }
echo PASS
