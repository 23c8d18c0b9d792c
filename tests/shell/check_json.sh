#!/bin/sh
# xpu-perf check --format json is valid JSON with the documented fields, and
# its verdict agrees with the exit status and with the text output.
# Exit 0 pass, 1 fail, 2 skip.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build
command -v python3 >/dev/null || { echo "skipped: needs python3"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$B/xpu-perf check --format json --binary $B/examples/cpu_split >"$tmp/check.json"
rc=$?
$B/xpu-perf check >"$tmp/check.txt"
rc_text=$?
[ "$rc" = "$rc_text" ] || { echo "json exit $rc, text exit $rc_text"; exit 1; }
python3 - "$tmp/check.json" "$rc" "$tmp/check.txt" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
rc = int(sys.argv[2])
text = open(sys.argv[3]).read().splitlines()
assert doc["schema"] == 1, doc["schema"]
assert doc["record_can_run"] == (rc == 0), (doc["record_can_run"], rc)
names = [c["name"] for c in doc["checks"]]
for want in ["privileges", "kernel", "btf", "perf_event", "bpf_perf_event", "bpf_tp_btf",
             "bpf_uprobe", "bpf_ringbuf", "bpf_task_storage", "bpf_loop",
             "bpf_record_programs", "kprobes", "net_tracepoints", "perf_event_paranoid", "perf_event_max_stack",
             "tracefs", "lockdown", "binary_frame_pointers", "binary_eh_frame",
             "cuda_driver", "cuda_runtime", "cupti", "gpus"]:
    assert want in names, want
for c in doc["checks"]:
    assert set(c) == {"name", "status", "needed", "detail", "fix", "values"}, c
    assert c["status"] in ("ok", "missing", "info"), c
    assert isinstance(c["needed"], bool) and isinstance(c["values"], dict), c
blocked = [c["name"] for c in doc["checks"] if c["needed"] and c["status"] != "ok"]
assert (not blocked) == doc["record_can_run"], blocked
fp = next(c for c in doc["checks"] if c["name"] == "binary_frame_pointers")
assert fp["values"]["with_frame_pointers"] >= 5, fp
# The text output names the same items with the same statuses (no --binary there).
for c in doc["checks"]:
    if c["name"].startswith("binary_"):
        continue
    line = next(l for l in text if l[9:].startswith(c["name"] + " "))
    assert line.startswith(c["status"] + " "), (line, c)
print("ok:", len(names), "checks, record_can_run =", doc["record_can_run"])
PY
