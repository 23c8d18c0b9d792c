#!/bin/sh
# Runs every test: the Catch2 binary, then tests/shell/*.sh (exit 0 pass,
# 2 skip, anything else fail). Privileged tests ([bpf] and the shell tests
# that load BPF) run only as root with kernel BTF; elsewhere they are counted
# and reported as skipped, never passed. Ends with one plain line:
#   tests: N passed, N failed, N skipped
set -u
cd "$(dirname "$0")/.." || exit 1
# XPU_TEST_BIN: another build's test binary (make sanitize: build-san/);
# XPU_TEST_SHELL=0: the Catch2 cases only (said so in the output);
# XPU_TEST_SPEC: a Catch2 test spec choosing the cases (default: all but the
# hidden ones; tests/shell/run_recovery.sh names its own).
BIN=${XPU_TEST_BIN:-build/xpu-perf-tests}
spec=${XPU_TEST_SPEC:-}
passed=0 failed=0 skipped=0 skip_reason=

if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	filter=$spec
else
	filter="$spec~[bpf]"
	skip_reason="not root or no /sys/kernel/btf/vmlinux"
	n=$($BIN "$spec[bpf]" --list-test-names-only 2>/dev/null | grep -c .)
	skipped=$((skipped + n))
	echo "SKIP: $n privileged [bpf] test cases ($skip_reason); run 'sudo make test'"
fi

# The Catch2 binary logs each case as it starts and ends (tests/main.cpp,
# XPU_TEST_LOG). A case that kills the binary is counted failed by name, and
# the binary runs again on the cases that have not run yet, so one crash
# hides nothing. Cases that called XPU_SKIP are counted as skipped.
# The cases left are named to the binary in a file (-f), where a test spec's
# special characters (',' '[' ']' '*' and backslash) must be escaped, or the name
# matches nothing and the case never runs.
log=$(mktemp) todo=$(mktemp) ran=$(mktemp)
$BIN ${filter:+"$filter"} --list-test-names-only 2>/dev/null | grep . >"$todo"
total=$(grep -c . "$todo")
runs=0
while [ -s "$todo" ] && [ "$runs" -lt 20 ]; do
	runs=$((runs + 1))
	before=$(grep -c '^START' "$log")
	if [ "$runs" = 1 ]; then
		XPU_TEST_LOG=$log $BIN ${filter:+"$filter"} 2>&1
	else
		sed 's/[],[*\\]/\\&/g' "$todo" >"$todo.spec"
		XPU_TEST_LOG=$log $BIN -f "$todo.spec" 2>&1
	fi
	rc=$?
	crashed=$(awk -F '\t' '$1 == "START" { open[$2] = 1 } $1 ~ /^(PASS|FAIL|SKIP)$/ { delete open[$2] }
		END { for (n in open) print n }' "$log")
	if [ -n "$crashed" ]; then
		echo "$crashed" | while IFS= read -r n; do
			echo "FAIL: '$n' killed the test binary (exit $rc)"
			printf 'FAIL\t%s\tcrashed\n' "$n" >>"$log"
		done
	elif [ "$rc" != 0 ] && ! grep -q '^FAIL' "$log"; then
		echo "FAIL: the test binary exited $rc with no failed case"
		failed=$((failed + 1))
	fi
	cut -f 2 "$log" | sort -u >"$ran"
	grep -vxF -f "$ran" "$todo" >"$todo.next"; mv "$todo.next" "$todo"
	[ "$(grep -c '^START' "$log")" = "$before" ] && break  # no progress
done
if [ -s "$todo" ]; then
	n=$(grep -c . "$todo")
	echo "FAIL: $n of $total test cases never ran:"; sed 's/^/  /' "$todo"
	failed=$((failed + n))
fi
grep '^SKIP' "$log" | while IFS="$(printf '\t')" read -r _ n why; do
	echo "SKIP: $n: $why"
done
passed=$((passed + $(grep -c '^PASS' "$log")))
failed=$((failed + $(grep -c '^FAIL' "$log")))
skipped=$((skipped + $(grep -c '^SKIP' "$log")))
rm -f "$log" "$todo" "$todo.spec" "$ran"

[ "${XPU_TEST_SHELL:-1}" = 0 ] && echo "tests/shell/*.sh: not run (XPU_TEST_SHELL=0)"
for t in tests/shell/*.sh; do
	[ "${XPU_TEST_SHELL:-1}" = 0 ] && break
	[ -e "$t" ] || continue
	printf '%s: ' "$t"
	# sh exits 2 on a syntax error too: that must not read as a skip.
	if ! sh -n "$t" 2>"build/$(basename "$t").log"; then
		echo "FAILED (not valid sh: $(head -n 1 "build/$(basename "$t").log"))"
		failed=$((failed + 1)); continue
	fi
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
