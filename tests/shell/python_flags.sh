#!/bin/sh
# The Python frame-text options, exact text for each interpreter present
# (tests/fixtures/python/spin.py: the loop on line 13, called from line 17):
#   default                      <module> (spin.py:17);spin (spin.py:13), no
#                                eval-loop frame right under a Python frame
#   --no-python-lines            <module> (spin.py);spin (spin.py), no line
#   --python-interpreter-frames  spin (spin.py:13);_PyEval_EvalFrameDefault
# The default run is also recorded with -v: its stack-quality table must
# have the Python line, with completed walks. An absent interpreter is a
# skip, by name.
. "$(dirname "$0")/lib/bpf_test.sh"
. tests/shell/lib/pythons.sh

ran=0
find_pythons
for py in $PYTHONS; do
	ran=1
	for mode in default --no-python-lines --python-interpreter-frames; do
		flag=$mode verbose=
		[ "$mode" = default ] && flag= verbose=-v
		$B/xpu-perf $verbose record --cpu-only -U -F 499 $flag -o "$tmp/out.folded" "$py" \
			tests/fixtures/python/spin.py 0.4 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
		if [ "$mode" = default ]; then
			# "python: N stack walks in an interpreter, N eval calls walked,
			# N completed (P%), N Python frames; failed: ..."
			q=$(grep '^xpu-perf:   python: .* stack walks in an interpreter' "$tmp/err")
			echo "$py: $q"
			done_walks=$(echo "$q" | sed -n 's/.* walked, \([0-9]*\) completed .*/\1/p')
			[ -n "$done_walks" ] && [ "$done_walks" -gt 0 ] ||
				{ echo "no Python line with completed walks in -v's quality table"; cat "$tmp/err"; exit 1; }
		fi
		python3 - "$tmp/out.folded" "$py" "$mode" <<'PY' || exit 1
import sys
folded, py, mode = sys.argv[1:4]
spin_rows = 0      # samples with a spin frame
want_rows = 0      # ... whose text is exactly what the mode asks for
bad = []
for row in open(folded):
    stack, n = row.rsplit(" ", 1)
    frames, n = stack.split(";"), int(n)
    # 3.10 runs each Python call in its own eval call: its call plumbing,
    # _PyEval_Vector, sits between caller and callee (3.11+ have none).
    if py.endswith("python3.10"):
        frames = [f for f in frames if f != "_PyEval_Vector"]
    at = [i for i, f in enumerate(frames) if f.startswith("spin (spin.py")]
    if not at:
        continue
    spin_rows += n
    i = at[0]
    after = frames[i + 1] if i + 1 < len(frames) else ""
    if mode == "default":
        ok = frames[i - 1:i + 1] == ["<module> (spin.py:17)", "spin (spin.py:13)"]
        if after == "_PyEval_EvalFrameDefault":
            bad.append(stack)
    elif mode == "--no-python-lines":
        ok = frames[i - 1:i + 1] == ["<module> (spin.py)", "spin (spin.py)"]
        if any(":" in f for f in frames if "(spin.py" in f):
            bad.append(stack)
    else:
        ok = frames[i:i + 2] == ["spin (spin.py:13)", "_PyEval_EvalFrameDefault"]
    want_rows += n if ok else 0
share = want_rows / spin_rows if spin_rows else 0
print(f"{py} {mode}: {spin_rows} samples in spin, {100*share:.0f}% with the exact text, {len(bad)} wrong")
for b in bad[:3]:
    print("  wrong:", b)
sys.exit(0 if spin_rows >= 50 and share >= 0.9 and not bad else 1)
PY
	done
done
[ $ran = 1 ] || { echo "skipped: no CPython 3.10-3.13 here"; exit 2; }
echo ok
