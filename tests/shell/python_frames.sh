#!/bin/sh
# Python frames in on-CPU and off-CPU stacks, for Debian's python3.11 (and
# each pyenv 3.10/3.12/3.13 present): the four spin loops' CPU split known by
# construction (within 3 pp at 499 Hz), the exact lines of the loops, and
# the sleep under its Python frame. 3.10 has no co_qualname: its method is
# named "forward" where 3.11+ say "Model.forward". An absent interpreter is
# a skip, by name.
. "$(dirname "$0")/lib/bpf_test.sh"
. tests/shell/lib/pythons.sh

ran=0
find_pythons
for py in $PYTHONS; do
	ran=1
	$B/xpu-perf record -F 499 -o "$tmp/out.folded" "$py" tests/fixtures/python/workload.py 0.5 \
		2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
	python3 - "$tmp/out.folded" "$tmp/err" "$py" <<'PY' || exit 1
import re, sys
folded, err, py = sys.argv[1:4]
lines = dict(re.findall(r"^line:(\S+)=(\d+)$", open(err).read(), re.M))
want = {"Model.forward": 0.5, "spin_until": 0.25, "produce": 0.125, "serve": 0.125}
got = {k: 0 for k in want}
slept = 0
for row in open(folded):
    stack, n = row.rsplit(" ", 1)
    frames = stack.split(";")
    if "nap (workload.py:" in stack and frames[-1] == "[off-cpu:S]":
        slept += int(n)
    if frames[-1].startswith("[off-cpu:"):
        continue
    for k in want:
        name = k.rsplit(".", 1)[-1] if py.endswith("python3.10") else k
        if f"{name} (workload.py:{lines[k]})" in frames:
            got[k] += int(n)
total = sum(got.values())
ok = total > 0 and slept > 0
for k, share in want.items():
    s = got[k] / total if total else 0
    print(f"{py}: {k} {100*s:.1f}% (truth {100*share:.1f}%)")
    ok &= abs(s - share) <= 0.03
print(f"{py}: sleep under nap: {slept} samples")
sys.exit(0 if ok else 1)
PY
done
[ $ran = 1 ] || { echo "skipped: no CPython 3.10-3.13 here"; exit 2; }
echo ok
