#!/bin/sh
# report --format speedscope validated against speedscope's own JSON schema
# (file-format-schema.json from the speedscope npm package, fetched with
# `npm pack` into build/speedscope once and reused: tests/shell/lib/
# speedscope.sh), with python3-jsonschema.
# A broken document must fail the same check, so the check can fail.
# Exit 0 pass, 1 fail, 2 skip (no npm or no network, no python3-jsonschema).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build
. tests/shell/lib/speedscope.sh
speedscope_release
schema=$SPEEDSCOPE/file-format-schema.json
if ! python3 -c 'import jsonschema' 2>/dev/null; then
	echo "skipped: no python3-jsonschema (make deps installs it)"
	exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in tests/fixtures/report/mixed.folded tests/fixtures/report_basic.folded; do
	$B/xpu-perf report --format speedscope -o "$tmp/p.json" "$f" || exit 1
	python3 - "$schema" "$tmp/p.json" <<'PY' || { echo "FAIL: $f"; exit 1; }
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
p = doc["profiles"][0]
frames = doc["shared"]["frames"]
assert p["type"] == "sampled" and len(p["samples"]) == len(p["weights"])
assert all(0 <= i < len(frames) for s in p["samples"] for i in s)
assert abs(sum(p["weights"]) - p["endValue"]) < 1e-9
names = [f["name"] for f in frames]
assert len(set(names)) == len(names), "a frame listed twice"
# The same check rejects a broken document.
for broken in ({k: v for k, v in p.items() if k != "weights"}, dict(p, type="bogus"),
               dict(p, unit="samples")):
    bad = dict(doc, profiles=[broken])
    try:
        jsonschema.validate(bad, schema)
    except jsonschema.ValidationError:
        continue
    raise SystemExit("schema accepted a broken document")
print("valid:", sys.argv[2], len(frames), "frames,", len(p["samples"]), "samples")
PY
done
echo ok
