#!/bin/sh
# xpu-perf tune on recorded profiles (--input, no privileges): findings as
# text and JSON, user rules, parse errors with their column, exit codes.
# Exit 0 pass, 1 fail.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build/xpu-perf
F=tests/fixtures/tune
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/shell/lib/check.sh

# The allocator finding, its evidence and its advice.
$B tune --input $F/malloc.folded >"$tmp/out" 2>"$tmp/err"; rc=$?
cat "$tmp/out"
check "dry run exits 0" [ "$rc" = 0 ]
check "allocator finding first" grep -q '^1\. allocator  impact 60\.0%  (built-in:' "$tmp/out"
check "top stack with its share" grep -q '^      30\.0%  malloc_heavy;_start;__libc_start_main;main;churn;malloc;_int_malloc$' "$tmp/out"
check "LD_PRELOAD advice" grep -q 'LD_PRELOAD=' "$tmp/out"
check "nothing changed" grep -q '^nothing was changed' "$tmp/out"

# JSON: the documented fields, exact values.
$B tune --input $F/offcpu.folded --format json --fact sysctl:vm.dirty_background_ratio=10 >"$tmp/json" || fails=$((fails + 1))
python3 - "$tmp/json" <<'PY' || fails=$((fails + 1))
import json, sys
d = json.load(open(sys.argv[1]))
assert d["mode"] == "dry run" and d["weight"] == 100 and d["wall_s"] is None, d
names = [f["rule"] for f in d["findings"]]
assert names == ["dirty-writeback", "io-priority"], names
f = d["findings"][0]
assert f["impact"] == 0.6 and f["action"] == "set sysctl vm.dirty_background_ratio=5", f
assert f["evidence"][0] == {"metric": 'offcpu(state = "D")', "value": 0.6, "text": "60.0%"}, f["evidence"]
assert f["stacks"][0]["share"] == 0.5, f["stacks"]
assert f["status"] in ("would change", "unchanged", "refused"), f["status"]
assert all(set(s) == {"rule", "why"} for s in d["skipped"])
print("ok: json")
PY

# A user rule, only: --no-builtin.
$B tune --input $F/gpu.folded --no-builtin --wall 2 \
	--rule 'memcpy: gpu_memcpy(kind = "HtoD") > 20% => suggest pinned_memory' >"$tmp/out" || fails=$((fails + 1))
check "user rule fires" grep -q '^1\. memcpy  impact 25\.0%  (--rule)' "$tmp/out"
check "only one finding" grep -q '^tune: 1 finding from' "$tmp/out"

# A rules file, and --list-rules.
printf '# mine\nslow: self(frame = "fill") > 10%% => suggest "fill less"\n' >"$tmp/my.rules"
$B tune --input $F/malloc.folded --no-builtin --rules "$tmp/my.rules" >"$tmp/out" || fails=$((fails + 1))
check "rules file" grep -q "^1\. slow  impact 40\.0%  ($tmp/my.rules:2)" "$tmp/out"
n=$($B tune --list-rules | wc -l)
check "list-rules lists the 13 built-in rules" [ "$n" = 13 ]

# Parse errors: usage (1), pointing at the column.
$B tune --input $F/malloc.folded --rule 'share(frame =~ "x") >> 1 => suggest cuda_graphs' 2>"$tmp/err"; rc=$?
cat "$tmp/err"
check "rule error exits 1" [ "$rc" = 1 ]
check "rule error names the column" grep -q "rule:22: unexpected '>'" "$tmp/err"
printf 'ok: oncpu > 1 => suggest cuda_graphs\nbad: oncpu > 1 => set thp sometimes\n' >"$tmp/bad.rules"
$B tune --input $F/malloc.folded --rules "$tmp/bad.rules" 2>"$tmp/err"; rc=$?
check "rules file error exits 1" [ "$rc" = 1 ]
check "rules file error names line and column" grep -q "$tmp/bad.rules:2:27: thp is always, madvise or never" "$tmp/err"

# Usage errors.
$B tune --input $F/malloc.folded -p 1 2>/dev/null; check "--input with -p is usage" [ $? = 1 ]
$B tune --input $F/malloc.folded --fact nonsense 2>/dev/null; check "bad --fact is usage" [ $? = 1 ]
$B tune --input "$tmp/none.folded" 2>/dev/null; check "missing input is usage" [ $? = 1 ]
if [ "$(id -u)" != 0 ]; then
	$B tune --input $F/malloc.folded --apply 2>/dev/null; check "--apply unprivileged is environment" [ $? = 2 ]
else
	$B tune --input $F/malloc.folded --verify 2>/dev/null; check "--verify --input without --bench is usage" [ $? = 1 ]
fi
[ "$fails" = 0 ]
