#!/bin/sh
# tune --net on real traffic: examples/net_traffic sends 20,000 messages of
# 40 bytes over loopback TCP from send_small() (the small writes) and 20,000
# of 4,000 bytes over a Unix socket from send_large(); the small-writes rule
# must fire with the exact mean (40) and name send_small's stack and peer.
# The control sends 300 of 4,000 bytes both ways: the rule must not fire.
# The bytes never weigh in tune's time shares. Needs root (BPF).
# Exit 0 pass, 1 fail, 2 skip.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build/xpu-perf
[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/shell/lib/check.sh

# -d 300: the traffic starts once the profiler has the new image's tables.
$B tune --net --format json -- build/examples/net_traffic -n 20000 -s 40 -l 4000 -d 300 \
	-u "$tmp/s.sock" >"$tmp/small.json" 2>"$tmp/small.err"
check "tune --net exits 0" [ $? = 0 ]
port=$(sed -n 's/^tcp_port=\([0-9]*\) .*/\1/p' "$tmp/small.err")
check "the workload printed its port" [ -n "$port" ]
python3 - "$tmp/small.json" "$port" <<'PY' || fails=$((fails + 1))
import json, sys
d = json.load(open(sys.argv[1]))
port = sys.argv[2]
fail = []
found = {f["rule"]: f for f in d["findings"]}
f = found.get("small-writes")
if not f:
    sys.exit(f"FAIL: no small-writes finding: {sorted(found)}")
read = {r["metric"]: r for r in f["evidence"]}
mean = read.get("small_send_bytes", {}).get("value")
rate = read.get("small_sends_per_s", {}).get("value")
if mean != 40:
    fail.append(f"small_send_bytes {mean}, not 40")
if not rate or rate <= 1000:
    fail.append(f"small_sends_per_s {rate}")
stacks = [s["stack"] for s in f["stacks"]]
want = f";send_small;send_all;__send;[net:send]127.0.0.1:{port}"
if len(stacks) != 1 or not stacks[0].endswith(want):
    fail.append(f"stack {stacks}, want ...{want}")
# Half of all sends (20,000 of 40,000) are the small ones.
if abs(f["stacks"][0]["share"] - 0.5) > 1e-9:
    fail.append(f"share of sends {f['stacks'][0]['share']}, not 0.5")
print(f"small-writes: {rate:.0f}/s of {mean} B under ...{want}")
sys.exit("FAIL: " + "; ".join(fail) if fail else 0)
PY

$B tune --net --format json -- build/examples/net_traffic -n 300 -s 4000 -l 4000 -d 300 \
	-u "$tmp/c.sock" >"$tmp/control.json" 2>"$tmp/control.err"
check "control exits 0" [ $? = 0 ]
check "control: no small-writes finding" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(any(f["rule"] == "small-writes" for f in d["findings"]))' "$tmp/control.json"

[ "$fails" = 0 ] || { cat "$tmp/small.err" "$tmp/small.json" | tail -n 30; exit 1; }
