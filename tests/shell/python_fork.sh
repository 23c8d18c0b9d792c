#!/bin/sh
# A fork child gets Python frames: tests/fixtures/python/forker.py forks
# (no exec) and the child spins in child_spin (loop on lines 14-15) under
# main (line 22) under <module> (line 28). Of the child's samples (its pid
# printed by the parent), >= 85% must carry exactly those frames. Each
# interpreter present; an absent one is a skip, by name.
. "$(dirname "$0")/lib/bpf_test.sh"
. tests/shell/lib/pythons.sh

ran=0
find_pythons
for py in $PYTHONS; do
	ran=1
	$B/xpu-perf record --cpu-only -U -F 499 --pid-prefix -o "$tmp/out.folded" "$py" \
		tests/fixtures/python/forker.py 0.4 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
	python3 - "$tmp/out.folded" "$tmp/err" "$py" <<'PY' || { cat "$tmp/err"; exit 1; }
import re, sys
folded, err, py = sys.argv[1:4]
child = re.search(r"^child=(\d+)$", open(err).read(), re.M).group(1)
want = ["<module> (forker.py:28)", "main (forker.py:22)"]
total = exact = 0
for row in open(folded):
    stack, n = row.rsplit(" ", 1)
    frames, n = stack.split(";"), int(n)
    # 3.10 runs each Python call in its own eval call: its call plumbing,
    # _PyEval_Vector, sits between caller and callee (3.11+ have none).
    if py.endswith("python3.10"):
        frames = [f for f in frames if f != "_PyEval_Vector"]
    if not frames[0].endswith(f"-{child}"):
        continue
    total += n
    for i in range(2, len(frames)):
        if frames[i - 2:i] == want and frames[i] in ("child_spin (forker.py:14)",
                                                      "child_spin (forker.py:15)"):
            exact += n
            break
share = exact / total if total else 0
print(f"{py}: fork child {child}: {total} samples, {100*share:.1f}% under child_spin (forker.py:14|15)")
sys.exit(0 if total >= 50 and share >= 0.85 else 1)
PY
done
[ $ran = 1 ] || { echo "skipped: no CPython 3.10-3.13 here"; exit 2; }
echo ok
