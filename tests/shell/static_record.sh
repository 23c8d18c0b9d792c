#!/bin/sh
# build/xpu-perf-static (make static) needs no shared library and, copied
# alone into an empty directory and run with an empty environment, records
# the ground-truth workload: burn_60's share within 5 points of what the
# workload measured itself. Exit 0 pass, 1 fail, 2 skip.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build
S=$B/xpu-perf-static
[ -x "$S" ] || { echo "skipped: no $S (make static)"; exit 2; }
ldd "$S" 2>&1 | grep -q 'not a dynamic executable' || { echo "$S is dynamic"; exit 1; }
"$S" --version | grep -qx 'build: static (no shared libraries)' || { "$S" --version; exit 1; }
[ "$(id -u)" = 0 ] || { echo "skipped: loads BPF, needs root"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$S" "$tmp/xpu-perf"
env -i "$tmp/xpu-perf" check >"$tmp/check" || { cat "$tmp/check"; exit 1; }
env -i "$tmp/xpu-perf" record -F 999 -o "$tmp/out.folded" "$PWD/$B/examples/cpu_split" -t 2 \
	>"$tmp/stdout" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
env -i "$tmp/xpu-perf" report --sort total --top 0 "$tmp/out.folded" >"$tmp/table" || exit 1
truth=$(sed -n 's/.*burn_60=\([0-9.]*\).*/\1/p' "$tmp/stdout")
share=$(awk '$NF == "burn_60" { sub("%", "", $2); print $2 }' "$tmp/table")
echo "static binary ($(wc -c <"$S") bytes): burn_60 profile $share%, truth $truth%"
[ -n "$truth" ] && [ -n "$share" ] || { cat "$tmp/err" "$tmp/table"; exit 1; }
awk -v a="$share" -v b="$truth" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 5) }'
