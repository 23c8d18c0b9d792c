#!/bin/sh
# tests/run.sh when a case kills the Catch2 binary: the case is counted
# failed by name, and the cases after it run in a second pass, named to the
# binary in a file, whatever characters their names hold (',' '[' '*' and
# backslash must be escaped there). Uses the hidden [run-recovery] cases of
# tests/test_run_recovery.cpp. Needs no root. Exit 0 pass, 1 fail.
set -u
cd "$(dirname "$0")/../.." || exit 1
out=$(XPU_TEST_SHELL=0 XPU_TEST_CRASH=1 XPU_TEST_SPEC='[run-recovery]' tests/run.sh 2>&1)
rc=$?
fail=0
expect() {
	printf '%s\n' "$out" | grep -qxF -- "$1" || { echo "FAIL: no line: $1"; fail=1; }
}
expect "FAIL: 'run recovery: this one kills the binary' killed the test binary (exit 137)"
expect "tests: 2 passed, 1 failed, 0 skipped"
[ "$rc" = 1 ] || { echo "FAIL: run.sh exited $rc, not 1"; fail=1; }
if printf '%s\n' "$out" | grep -q "never ran"; then
	echo "FAIL: a case never ran"; fail=1
fi
[ "$fail" = 0 ] || { printf '%s\n' "$out" | tail -n 30; exit 1; }
echo "ok: the crash counted by name, the rest run after it"
