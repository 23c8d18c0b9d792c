#!/bin/sh
# `live` against the ground-truth workloads: window count and timing, JSON
# fields, the shares a window shows, and the folded stream's layout.
# Exit 0 pass, 1 fail, 2 skip (not root).
. "$(dirname "$0")/lib/bpf_test.sh"

# JSON: 4 windows of 0.5 s over cpu_split (60/30/10 by construction); the
# command runs longer, so --windows ends the session. Its 10 ms rounds of
# CPU time (-t) against 331 Hz (3.02 ms: a round moves the phase by a third
# of a period): -n's rounds are about 2.2 ms here, as long as 499 Hz's
# period, and a window sampled the same phase of them over and over
# (burn_30 48%, burn_60 39% in a fresh clone's run).
$B/xpu-perf live --format json -i 0.5 --windows 4 -F 331 --top 20 \
	-- $B/examples/cpu_split -t 60 >"$tmp/w.json" 2>"$tmp/err"
rc=$?
cat "$tmp/err"
[ "$rc" = 0 ] || { echo "live exited $rc"; exit 1; }
python3 - "$tmp/w.json" <<'PY' || exit 1
import json, sys
wins = [json.loads(l) for l in open(sys.argv[1])]
assert len(wins) == 4, f"{len(wins)} windows"
for i, w in enumerate(wins, 1):
    assert w["window"] == i
    assert w["end"] > w["start"]
    assert abs((w["end"] - w["start"]) - 0.5) < 0.25, w["end"] - w["start"]
    for k in ("freq", "total", "oncpu", "offcpu", "gpu", "stacks", "lost", "top"):
        assert k in w, k
    assert w["total"] == w["oncpu"] + w["offcpu"] + w["gpu"]
for a, b in zip(wins, wins[1:]):
    assert abs(b["start"] - a["end"]) < 1e-6, "windows must tile"
# A full window of a one-thread CPU burner at 331 Hz: about 165 samples.
full = wins[1]
assert 100 <= full["oncpu"] <= 200, full["oncpu"]
top = {f["name"]: f for f in full["top"]}
share = {n: top[n]["total_pct"] for n in ("burn_60", "burn_30", "burn_10") if n in top}
print("window 2 shares:", share)
assert abs(share.get("burn_60", 0) - 60) <= 12, share
assert abs(share.get("burn_30", 0) - 30) <= 12, share
assert wins[1]["top"][0]["name"] == "churn"
PY

# Folded: each window starts with a header line, then stacks; --cumulative
# windows only grow.
$B/xpu-perf live -i 0.3 --windows 3 --cumulative -o "$tmp/w.folded" \
	-- $B/examples/cpu_split -n 100000 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
python3 - "$tmp/w.folded" <<'PY' || exit 1
import re, sys
wins = []
for line in open(sys.argv[1]):
    if line.startswith("# xpu-perf live window="):
        m = re.match(r"# xpu-perf live window=(\d+) start=([\d.]+) end=([\d.]+)$", line.strip())
        assert m, line
        wins.append(0)
        continue
    stack, w = line.rsplit(" ", 1)
    assert stack.split(";")[0] == "cpu_split", stack
    wins[-1] += int(w)
print("cumulative totals:", wins)
assert len(wins) == 3
assert wins[0] < wins[1] < wins[2], wins
PY

# Off-CPU time is counted while a thread is still blocked: wall_split's
# sleeps show up window by window, not only when they end. 499 Hz: at 99
# Hz the sampler's ticks beat against wall_split's 10 ms rounds (a 1 s
# period), so a 0.5 s window sees 13 or 37 samples of the same compute.
$B/xpu-perf live --format json -i 0.5 --windows 3 -F 499 -- $B/examples/wall_split \
	>"$tmp/wall.json" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
python3 - "$tmp/wall.json" <<'PY' || exit 1
import json, sys
wins = [json.loads(l) for l in open(sys.argv[1])]
print([(w["oncpu"], w["offcpu"]) for w in wins])
assert len(wins) == 3
assert all(w["offcpu"] > 0 for w in wins)
# No window holds more time than its threads had: 2 threads x 0.5 s x freq.
assert all(w["freq"] == 499 for w in wins)
assert all(w["total"] <= 2 * w["freq"] * (w["end"] - w["start"]) * 1.1 + 2 for w in wins), wins
PY

# A bad output path is an error before anything runs.
if $B/xpu-perf live -o /nonexistent/dir/x --windows 1 -- true 2>"$tmp/err"; then
	echo "live wrote to a missing directory"; exit 1
fi
grep -q "cannot write '/nonexistent/dir/x'" "$tmp/err" || { cat "$tmp/err"; exit 1; }
echo ok
