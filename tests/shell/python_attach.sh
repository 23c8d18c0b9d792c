#!/bin/sh
# -p on a Python process started before xpu-perf: the interpreter is found
# from the running process (thread-state key read from its memory) and its
# samples carry Python frames with exact lines
# (tests/fixtures/python/spin.py, spinning forever: the loop on lines 13-14
# (the `pass` line runs too when the condition is constant), called from
# line 17).
# Each interpreter present; an absent one is a skip, by name.
. "$(dirname "$0")/lib/bpf_test.sh"
. tests/shell/lib/pythons.sh

spinner=
cleanup='[ -n "$spinner" ] && kill $spinner 2>/dev/null'
ran=0
find_pythons
for py in $PYTHONS; do
	ran=1
	rm -f "$tmp/ready"
	mkfifo "$tmp/ready"
	"$py" tests/fixtures/python/spin.py 0 >"$tmp/ready" &
	spinner=$!
	read -r word <"$tmp/ready"  # the spinner is in its loop
	[ "$word" = spinning ] || { echo "spinner did not start: $word"; exit 1; }
	$B/xpu-perf record --cpu-only -U -F 499 -p $spinner --duration 3 -o "$tmp/out.folded" \
		2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
	kill $spinner
	wait $spinner 2>/dev/null
	spinner=
	python3 - "$tmp/out.folded" "$py" <<'PY' || { cat "$tmp/err"; exit 1; }
import sys
folded, py = sys.argv[1:3]
total = exact = 0
for row in open(folded):
    stack, n = row.rsplit(" ", 1)
    frames, n = stack.split(";"), int(n)
    # 3.10 runs each Python call in its own eval call: its call plumbing,
    # _PyEval_Vector, sits between caller and callee (3.11+ have none).
    if py.endswith("python3.10"):
        frames = [f for f in frames if f != "_PyEval_Vector"]
    total += n
    for i in range(1, len(frames)):
        if frames[i - 1] == "<module> (spin.py:17)" and frames[i] in (
                "spin (spin.py:13)", "spin (spin.py:14)"):
            exact += n
            break
share = exact / total if total else 0
print(f"{py} -p: {total} samples, {100*share:.1f}% under '<module> (spin.py:17);spin (spin.py:13|14)'")
sys.exit(0 if total >= 300 and share >= 0.9 else 1)  # 3 s at 499 Hz: ~1500 on an idle CPU
PY
done
[ $ran = 1 ] || { echo "skipped: no CPython 3.10-3.13 here"; exit 2; }
echo ok
