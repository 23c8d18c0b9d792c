#!/bin/sh
# Faults record must survive: the output disk full (a clear error, no
# partial file, exit 4), the reader of `-o -` going away (no death by
# SIGPIPE left unexplained: the command is stopped and the exit says why),
# and Ctrl-C twice (the second one does not lose the profile the first one
# asked for). Exit 0 pass, 1 fail, 2 skip (not root).
. "$(dirname "$0")/lib/bpf_test.sh"
fail() { echo "FAIL: $*"; exit 1; }

# A workload that runs until stopped.
work="$B/examples/cpu_split -n 100000000"

# Disk full: a one-page tmpfs, filled before the run.
mkdir "$tmp/small"
mount -t tmpfs -o size=4k tmpfs "$tmp/small" || { echo "skipped: cannot mount a tmpfs"; exit 2; }
cleanup='umount "$tmp/small" 2>/dev/null'
head -c 4096 /dev/zero >"$tmp/small/filler" 2>/dev/null  # fill it
$B/xpu-perf record -F 999 --duration 1 -o "$tmp/small/out.folded" -- $work 2>"$tmp/err"
rc=$?
[ "$rc" = 4 ] || { cat "$tmp/err"; fail "disk full: exit $rc, not 4"; }
grep -q "No space left on device" "$tmp/err" || fail "disk full: no clear error: $(cat "$tmp/err")"
[ ! -e "$tmp/small/out.folded" ] || fail "disk full: a partial file was left"
umount "$tmp/small"; cleanup=:

# SIGPIPE on -o -: the reader reads one line and goes away.
$B/xpu-perf record -F 999 --duration 2 -o - -- $work 2>"$tmp/err" | head -n 1 >"$tmp/first"
[ -s "$tmp/first" ] || fail "-o -: nothing read before the reader left"
grep -qi "broken pipe\|SIGPIPE" "$tmp/err" || echo "note: -o - reader gone: $(tail -n 1 "$tmp/err")"

# Ctrl-C twice: the second does not kill the profile the first asked for.
$B/xpu-perf record -F 499 -o "$tmp/twice.folded" -- $work 2>"$tmp/err" &
rec=$!
cleanup='kill -KILL $rec 2>/dev/null'
# Wait (hang guard 60 s) until the workload runs under the profiler.
for _ in $(seq 600); do
	pgrep -P $rec -x cpu_split >/dev/null && break
	sleep 0.1
done
pgrep -P $rec -x cpu_split >/dev/null || fail "Ctrl-C twice: the workload never started"
sleep 1  # some samples
kill -INT $rec; kill -INT $rec
wait $rec
rc=$?
cleanup=:
[ "$rc" = 130 ] || { cat "$tmp/err"; fail "Ctrl-C twice: exit $rc, not 130"; }
grep -q ';burn_60' "$tmp/twice.folded" || fail "Ctrl-C twice: no profile"
echo ok
