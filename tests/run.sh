#!/bin/sh
# Runs every test: the Catch2 binary, then tests/shell/*.sh (exit 0 pass,
# 2 skip, anything else fail). Privileged tests ([bpf] and the shell tests
# that load BPF) run only as root with kernel BTF; elsewhere they are counted
# and reported as skipped, never passed. Ends with one plain line:
#   tests: N passed, N failed, N skipped
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=build/xpu-perf-tests
passed=0 failed=0 skipped=0 skip_reason=

if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	filter=
else
	filter='~[bpf]'
	skip_reason="not root or no /sys/kernel/btf/vmlinux"
	n=$($BIN '[bpf]' --list-test-names-only 2>/dev/null | grep -c .)
	skipped=$((skipped + n))
	echo "SKIP: $n privileged [bpf] test cases ($skip_reason); run 'sudo make test'"
fi

out=$(mktemp)
# shellcheck disable=SC2086
$BIN $filter 2>&1 | tee "$out"
rc=$?
summary=$(grep -E '^(test cases:|All tests passed)' "$out" | tail -n 1)
rm -f "$out"
case "$summary" in
"All tests passed"*)
	n=$(echo "$summary" | sed -n 's/.* in \([0-9]*\) test case.*/\1/p')
	passed=$((passed + n)) ;;
"test cases:"*)
	n=$(echo "$summary" | sed -n 's/.*| *\([0-9]*\) passed.*/\1/p')
	f=$(echo "$summary" | sed -n 's/.*| *\([0-9]*\) failed.*/\1/p')
	passed=$((passed + ${n:-0})); failed=$((failed + ${f:-0})) ;;
*)
	echo "FAIL: the Catch2 binary did not finish (exit $rc)"
	failed=$((failed + 1)) ;;
esac

for t in tests/shell/*.sh; do
	[ -e "$t" ] || continue
	printf '%s: ' "$t"
	sh "$t" >"build/$(basename "$t").log" 2>&1
	case $? in
	0) echo ok; passed=$((passed + 1)) ;;
	2) echo "skipped ($(tail -n 1 "build/$(basename "$t").log"))"; skipped=$((skipped + 1)) ;;
	*) echo "FAILED (log: build/$(basename "$t").log)"; tail -n 20 "build/$(basename "$t").log"
	   failed=$((failed + 1)) ;;
	esac
done

echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
