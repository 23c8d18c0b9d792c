#!/bin/sh
# examples/ci/profile-benchmark.sh on the ground-truth workload: the
# artifacts are written, and, where `report --fail-if` exists, a budget above
# burn_60's share (~60%) passes while one below it fails the job with exit 1.
# Exit 0 pass, 1 fail, 2 skip.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build
[ "$(id -u)" = 0 ] || { echo "skipped: loads BPF, needs root"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XPU_PERF="$PWD/$B/xpu-perf"
recipe=examples/ci/profile-benchmark.sh

sh $recipe -o "$tmp/a" -- $B/examples/cpu_split -t 1 >"$tmp/out" 2>&1 || { cat "$tmp/out"; exit 1; }
for f in profile.folded flame.svg top.txt check.txt; do
	[ -s "$tmp/a/$f" ] || { echo "no artifact $f"; cat "$tmp/out"; exit 1; }
done
grep -q 'burn_60' "$tmp/a/top.txt" || exit 1
# The benchmark's failure is the job's failure.
sh $recipe -o "$tmp/f" -- /bin/sh -c 'exit 3' >/dev/null 2>&1
[ $? = 3 ] || { echo "benchmark failure not passed through"; exit 1; }

if ! $XPU_PERF report --help | grep -q -- '--fail-if'; then
	sh $recipe -o "$tmp/b" -b 'burn_60>80%' -- $B/examples/cpu_split -t 1 >"$tmp/out" 2>&1
	[ $? = 2 ] && grep -q "need 'xpu-perf report --fail-if'" "$tmp/out" || { cat "$tmp/out"; exit 1; }
	echo "skipped: budgets need report --fail-if, not in this build (artifacts checked)"
	exit 2
fi
sh $recipe -o "$tmp/b" -b 'burn_60>80%' -b 'burn_10>40%' -- $B/examples/cpu_split -t 1 \
	>"$tmp/out" 2>&1 || { echo "budgets above the shares failed"; cat "$tmp/out"; exit 1; }
sh $recipe -o "$tmp/c" -b 'burn_60>40%' -b 'burn_30>80%' -- $B/examples/cpu_split -t 1 \
	>"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc = 1 ] || { echo "a budget below burn_60's share: exit $rc, want 1"; exit 1; }
grep -q 'burn_60' "$tmp/out" || { echo "the reason does not name burn_60"; exit 1; }
echo ok
