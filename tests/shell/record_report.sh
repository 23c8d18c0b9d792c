#!/bin/sh
# record -> report through real pipes, as a user types it:
#   xpu-perf record -o - ./app | xpu-perf report -
# Exit 0 pass, 1 fail, 2 skip (not root), as perf's shell tests.
. "$(dirname "$0")/lib/bpf_test.sh"

$B/xpu-perf record -F 999 -o - $B/examples/cpu_split -t 2 2>"$tmp/err" |
	$B/xpu-perf report --sort total --top 0 - >"$tmp/table" || { cat "$tmp/err"; exit 1; }
cat "$tmp/table"
# burn_60's total share is measured by the workload itself (its stdout went
# to stderr because -o - owns stdout).
truth=$(sed -n 's/.*burn_60=\([0-9.]*\).*/\1/p' "$tmp/err")
share=$(awk '$NF == "burn_60" { sub("%", "", $2); print $2 }' "$tmp/table")
echo "burn_60: profile $share%, truth $truth%"
[ -n "$truth" ] && [ -n "$share" ] || exit 1
awk -v a="$share" -v b="$truth" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 5) }' || exit 1

# The same stream drawn as a flame graph: well-formed XML that names burn_60.
$B/xpu-perf record -o - $B/examples/cpu_split -t 1 2>/dev/null |
	$B/xpu-perf report --svg "$tmp/g.svg" - || exit 1
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$tmp/g.svg" || exit 1
grep -q 'burn_60' "$tmp/g.svg" || exit 1
echo ok
