#!/bin/sh
# `top` against cpu_split (60/30/10 by construction): the plain snapshots
# of a pipe parsed exactly, then the full-screen view driven under tmux:
# the hot function first, keys (sort, pause, filter, expand, quit) and the
# terminal restored afterwards. Exit 0 pass, 1 fail, 2 skip.
. "$(dirname "$0")/lib/bpf_test.sh"
sess=xpu-top-test-$$
cleanup='tmux kill-session -t $sess 2>/dev/null'

# --- not a terminal: snapshots, like top -b ---------------------------------
$B/xpu-perf top -d 0.5 -n 3 --rows 5 -F 499 -- $B/examples/cpu_split -n 100000 \
	>"$tmp/snap" 2>"$tmp/err"
rc=$?
cat "$tmp/snap"
[ "$rc" = 0 ] || { cat "$tmp/err"; echo "top exited $rc"; exit 1; }
python3 - "$tmp/snap" <<'PY' || exit 1
import re, sys
snaps = open(sys.argv[1]).read().rstrip("\n").split("\n\n")
assert len(snaps) == 3, len(snaps)
for s in snaps:
    lines = s.split("\n")
    assert re.match(r"xpu-perf top  499 Hz cpu-clock  command \S+cpu_split  sort: symbol  \d+ s$", lines[0]), lines[0]
    assert re.match(r"last \d\.\d s: on-CPU \d+ samples, off-CPU \d+\.\d\d s  \|  lost 0  stacks \d+$", lines[1]), lines[1]
    assert lines[2] == "  Self%   Total%  Samples  Decayed  Function", lines[2]
    rows = lines[3:]
    assert len(rows) == 5, rows
    for r in rows:
        assert re.match(r"^ *\d+\.\d\d%  *\d+\.\d\d%  *\d+  *\d+\.\d\d%  \S", r), r
# The hot leaf: churn holds nearly all on-CPU samples (waits for the CPU,
# [off-cpu:R], depend on the machine's load and are left aside).
lines = snaps[-1].split("\n")
oncpu = int(re.search(r"on-CPU (\d+) samples", lines[1]).group(1))
first = [r for r in lines[3:] if not r.endswith("[off-cpu:R]")][0]
samples = int(first.split()[2])
assert first.endswith("  churn") and samples > 0.8 * oncpu, (first, oncpu)
PY

# --sort total ranks burn_60 above burn_30 above burn_10. Shares need
# cpu_split's 10 ms rounds of CPU time (-t) at 331 Hz: its -n rounds last
# about one 499 Hz period here, and a window samples one phase of them (see
# live.sh).
$B/xpu-perf top -b -d 0.5 -n 2 --rows 40 -s total -F 331 -- $B/examples/cpu_split -t 60 \
	>"$tmp/total" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
awk 'BEGIN{RS=""} END{print}' "$tmp/total" | grep -n 'burn_' >"$tmp/order"
cat "$tmp/order"
[ "$(cut -d: -f2- "$tmp/order" | awk '{print $NF}' | tr '\n' ' ')" = "burn_60 burn_30 burn_10 " ] ||
	{ echo "wrong order"; exit 1; }

# --- a terminal: tmux -------------------------------------------------------
if ! command -v tmux >/dev/null; then
	echo "skipped: tmux is not installed (make deps installs it)"
	exit 2
fi
pane() { tmux capture-pane -p -t "$sess"; }
wait_for() {  # wait_for REGEX: up to 10 s for the pane to show it
	i=0
	while [ $i -lt 50 ]; do
		pane | grep -Eq "$1" && return 0
		sleep 0.2; i=$((i + 1))
	done
	echo "pane never showed: $1"; pane; return 1
}
tmux new-session -d -s "$sess" -x 100 -y 30 \
	"$B/xpu-perf top -d 0.5 -F 499 --no-off-cpu -- $B/examples/cpu_split -n 1000000; echo \"EXIT=\$?\"; stty -a | tr ' ' '\\n' | grep -E '^-?(echo|icanon)\$' | tr '\\n' ' '; echo; sleep 60"
wait_for '^ *[0-9.]+% +[0-9.]+% +[0-9]+ +[0-9.]+%  churn' || exit 1
[ "$(tmux display -p -t "$sess" '#{alternate_on}')" = 1 ] || { echo "not on the alternate screen"; exit 1; }
row=$(pane | sed -n 5p)
echo "first row: $row"
echo "$row" | grep -q ' churn *$' || { echo "churn is not first"; exit 1; }
tmux send-keys -t "$sess" s
wait_for 'sort: total' || exit 1
tmux send-keys -t "$sess" p
wait_for '\[paused\]' || exit 1
tmux send-keys -t "$sess" p s s s s s
wait_for 'sort: symbol' || exit 1
tmux send-keys -t "$sess" / b u r n _ 3 Enter
wait_for 'filter: burn_3' || exit 1
tmux send-keys -t "$sess" s   # total: burn_30 is a caller, it has total time
wait_for ' burn_30 *$' || exit 1
pane | grep -q ' burn_60 *$' && { echo "the filter let burn_60 through"; exit 1; }
tmux send-keys -t "$sess" Escape s s s s s
wait_for 'sort: symbol' || exit 1
tmux send-keys -t "$sess" Enter
wait_for '^Callers \([0-9]+\):' || exit 1
pane | grep -q '^churn: self' || { echo "expanded the wrong function"; pane; exit 1; }
pane | grep -A1 '^Callers' | grep -Eq '%  spin_fixed$' || { echo "spin_fixed is not the first caller"; exit 1; }
tmux send-keys -t "$sess" Escape
wait_for 'Function' || exit 1
tmux send-keys -t "$sess" q
wait_for '^EXIT=0' || exit 1
[ "$(tmux display -p -t "$sess" '#{alternate_on}')" = 0 ] || { echo "alternate screen left on"; exit 1; }
# The terminal modes are back: echo and line editing.
wait_for '^(echo icanon|icanon echo) ?$' || exit 1
echo ok
