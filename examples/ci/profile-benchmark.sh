#!/bin/sh
# CI recipe: profile a benchmark, keep the profile as build artifacts, and
# fail the job when a named function's share of the profile grows beyond a
# budget.
#
#   examples/ci/profile-benchmark.sh [-o DIR] [-b 'FRAME>N%']... [--] BENCHMARK [ARGS...]
#
#   -o DIR           where the artifacts go (default: xpu-perf-artifacts)
#   -b 'FRAME>N%'    a budget: fail when FRAME's total share (the function and
#                    everything it calls) exceeds N% of the profile; repeatable
#
# Artifacts in DIR:
#   profile.folded   folded stacks (flamegraph.pl input; diff two runs with diff)
#   flame.svg        interactive flame graph
#   top.txt          the 30 functions with the largest total share
#   check.txt        what the runner could profile (xpu-perf check)
#
# Environment:
#   XPU_PERF         the xpu-perf binary (default: xpu-perf in PATH)
#   XPU_PERF_FREQ    sampling frequency in Hz (default 999)
#   XPU_PERF_OPTIONAL=1  on a runner that cannot profile (no root, no BTF),
#                    run the benchmark unprofiled and pass instead of failing
#
# Exit status: the benchmark's own failure, else 1 when a budget is exceeded
# (one line per exceeded budget on stderr), 2 when the runner cannot profile,
# 0 otherwise. Budgets need `xpu-perf report --fail-if`.
set -u

out=xpu-perf-artifacts
budgets=
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	-b) budgets="$budgets
$2"; shift 2 ;;
	--) shift; break ;;
	-*) echo "profile-benchmark: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: $0 [-o DIR] [-b 'FRAME>N%']... [--] BENCHMARK [ARGS...]" >&2; exit 2; }
xp=${XPU_PERF:-xpu-perf}
freq=${XPU_PERF_FREQ:-999}
mkdir -p "$out" || exit 2

# 1. Can this runner profile? check says what is missing and how to fix it.
if ! "$xp" check >"$out/check.txt" 2>&1; then
	cat "$out/check.txt" >&2
	if [ "${XPU_PERF_OPTIONAL:-0}" = 1 ]; then
		echo "profile-benchmark: this runner cannot profile; running unprofiled" >&2
		exec "$@"
	fi
	echo "profile-benchmark: this runner cannot profile (see above)" >&2
	exit 2
fi
if [ -n "$budgets" ] && ! "$xp" report --help | grep -q -- '--fail-if'; then
	echo "profile-benchmark: budgets need 'xpu-perf report --fail-if' (a newer xpu-perf)" >&2
	exit 2
fi

# 2. Record: the benchmark runs under the profiler; its exit status is ours.
"$xp" record -F "$freq" -o "$out/profile.folded" -- "$@"
status=$?
if [ "$status" != 0 ]; then
	echo "profile-benchmark: the benchmark failed (exit $status)" >&2
	exit "$status"
fi

# 3. Artifacts a person looks at.
"$xp" report --sort total --top 30 "$out/profile.folded" >"$out/top.txt" || exit 1
"$xp" report --svg "$out/flame.svg" --title "$(basename "$1")" \
	--subtitle "$(date -u '+%Y-%m-%d %H:%M UTC')${CI_COMMIT_SHA:+ $CI_COMMIT_SHA}${GITHUB_SHA:+ $GITHUB_SHA}" \
	"$out/profile.folded" 2>/dev/null || exit 1

# 4. Budgets: every one is checked, so the log names all that are exceeded.
failed=0
echo "$budgets" | {
	rc=0
	while IFS= read -r budget; do
		[ -n "$budget" ] || continue
		"$xp" report --fail-if "$budget" "$out/profile.folded" >/dev/null || rc=1
	done
	exit $rc
} || failed=1
echo "profile-benchmark: artifacts in $out/ (profile.folded, flame.svg, top.txt)" >&2
exit "$failed"
