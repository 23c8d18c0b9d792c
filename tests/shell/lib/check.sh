# Sourced by shell tests that list their checks: `check DESCRIPTION
# COMMAND...` prints "ok: ..." or "FAIL: ..." and counts failures in $fails.
fails=0
check() {
	d=$1; shift
	if "$@"; then echo "ok: $d"; else echo "FAIL: $d"; fails=$((fails + 1)); fi
}
