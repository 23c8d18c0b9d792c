#!/bin/sh
# Off-CPU waits under the Python function that waited: wait_long and
# wait_short (tests/fixtures/python/sleeper.py) block in time.sleep from the
# same native depth, so only the Python frame tells them apart (the off-CPU
# block signature must include it, or one function's cached stack takes the
# other's waits). Their shares of the sleep time must be within 4 pp of the
# fixture's own measurement, for each interpreter present; an absent one is
# a skip, by name.
. "$(dirname "$0")/lib/bpf_test.sh"
. tests/shell/lib/pythons.sh

ran=0
find_pythons
for py in $PYTHONS; do
	ran=1
	$B/xpu-perf record --off-cpu-only -o "$tmp/out.folded" "$py" \
		tests/fixtures/python/sleeper.py 300 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
	python3 - "$tmp/out.folded" "$tmp/err" "$py" <<'PY' || exit 1
import re, sys
folded, err, py = sys.argv[1:4]
truth = {k: float(v) for k, v in re.findall(r"^truth:(\w+)=([\d.]+)$", open(err).read(), re.M)}
got = {k: 0 for k in truth}
for row in open(folded):
    stack, n = row.rsplit(" ", 1)
    frames = stack.split(";")
    if frames[-1] != "[off-cpu:S]":
        continue
    for k in got:
        if any(f.startswith(f"{k} (sleeper.py:") for f in frames):
            got[k] += int(n)
total, ttotal = sum(got.values()), sum(truth.values())
ok = len(truth) == 2 and total > 0
for k in sorted(truth):
    s, t = (got[k] / total if total else 0), truth[k] / ttotal
    print(f"{py}: {k} {100*s:.1f}% of sleep (truth {100*t:.1f}%)")
    ok &= got[k] > 0 and abs(s - t) <= 0.04
sys.exit(0 if ok else 1)
PY
done
[ $ran = 1 ] || { echo "skipped: no CPython 3.10-3.13 here"; exit 2; }
echo ok
