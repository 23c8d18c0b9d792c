#!/bin/bash
# record --trace FILE --trace-off-cpu against tests/fixtures/sleepers, whose
# naps are known by construction and timed on the trace's clock
# (CLOCK_MONOTONIC) around each nanosleep():
#   - per thread, exactly one [off-cpu:S] slice per nap, on the thread's lane,
#     and none of its nap slices outside a nap: 5 (nap_short, main thread)
#     and 3 (nap_long, "napper");
#   - each slice lies inside its nap's measured window (same clock: no
#     tolerance but the JSON's 1 ns rounding), and lasts at least the nap
#     asked for less 200 us: the kernel's timer never fires early, and the
#     thread leaves the CPU microseconds after arming it (200 us leaves room
#     for an interrupt in between);
#   - its stack, root first, holds the nap's function and the kernel's
#     do_nanosleep;
#   - the folded output of the same run weighs each off-CPU stack as the
#     slices with that stack add up (at -F 1000, 1 sample = 1 ms; rounding
#     moves a line by less than 1), and with or without the flag the nap
#     stacks weigh what the naps took (the flag changes nothing there);
#   - --trace-off-cpu without --trace or without off-CPU time is a usage
#     error (exit 1).
# Exit 0 pass, 1 fail, 2 skip (not root: no eBPF).
cd "$(dirname "$0")/../.." || exit 1
fails=0
usage() {  # usage "WANTED MESSAGE" ARGS...
	want=$1; shift
	err=$(build/xpu-perf record "$@" 2>&1 >/dev/null); rc=$?
	case $err in *"$want"*) ;; *) rc=x ;; esac
	if [ "$rc" = 1 ]; then echo "ok: usage error for: $*"
	else echo "FAIL: record $* -> exit $rc, stderr: $err"; fails=$((fails + 1)); fi
}
usage "give --trace FILE" --trace-off-cpu -o /dev/null true
usage "--trace-off-cpu needs off-CPU time" --cpu-only --trace /dev/null --trace-off-cpu true
usage "--trace-off-cpu needs off-CPU time" -a --trace /dev/null --trace-off-cpu
[ "$fails" = 0 ] || exit 1

. tests/shell/lib/bpf_test.sh
[ -x $B/fixtures/sleepers ] || { echo "no $B/fixtures/sleepers (make fixtures)"; exit 1; }
# --min-block 2000: only waits of 2 ms or more (naps are 25 and 40 ms); no
# GPU layer is needed for an off-CPU timeline (--no-gpu).
$B/xpu-perf record -F 1000 --min-block 2000 --no-gpu -o "$tmp/with.folded" \
	--trace "$tmp/t.json" --trace-off-cpu $B/fixtures/sleepers >"$tmp/truth" 2>"$tmp/err" || {
	cat "$tmp/err"; exit 1; }
grep -q "off-CPU timeline: [0-9]* intervals drawn, 0 dropped" "$tmp/err" || { cat "$tmp/err"; exit 1; }
$B/xpu-perf record -F 1000 --min-block 2000 --no-gpu -o "$tmp/without.folded" \
	$B/fixtures/sleepers >"$tmp/truth2" 2>"$tmp/err2" || { cat "$tmp/err2"; exit 1; }
python3 - "$tmp" <<'PY'
import collections, json, re, sys
tmp = sys.argv[1]

def naps(path):
    out = []
    for line in open(path):
        m = re.match(r"nap tid=(\d+) fn=(\w+) req_ns=(\d+) start=(\d+) end=(\d+)", line)
        assert m, line
        out.append((int(m[1]), m[2], int(m[3]), int(m[4]), int(m[5])))
    return out

truth = naps(tmp + "/truth")
assert collections.Counter(fn for _, fn, *_ in truth) == {"nap_short": 5, "nap_long": 3}, truth
pid = truth[0][0]  # the main thread's tid is the pid
ev = json.load(open(tmp + "/t.json"))["traceEvents"]
slices = [e for e in ev if e["ph"] == "X" and e.get("cat") == "off_cpu"]
assert slices, "no off-CPU slices"
for e in slices:
    assert e["name"] == "[off-cpu:%s]" % e["args"]["state"], e
    assert e["pid"] == pid, e

# One slice per nap, each inside its nap's window, none elsewhere.
for tid, fn, req, start, end in truth:
    inside = [e for e in slices if e["tid"] == tid and
              e["ts"] * 1000 >= start - 1 and (e["ts"] + e["dur"]) * 1000 <= end + 1]
    assert len(inside) == 1, (fn, start, end, inside)
    e = inside[0]
    assert e["args"]["state"] == "S", e
    assert e["dur"] * 1000 >= req - 200000, (fn, req, e["dur"])
    assert fn in e["args"]["stack"] and "do_nanosleep_[k]" in e["args"]["stack"], e["args"]["stack"]
per_thread = collections.Counter((e["tid"], fn) for e in slices
                                 for fn in ("nap_short", "nap_long") if fn in e["args"]["stack"])
want = collections.Counter((tid, fn) for tid, fn, *_ in truth)
assert per_thread == want, (per_thread, want)
names = {(e["tid"], e["args"]["name"]) for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
assert (pid, "sleepers") in names and (truth[-1][0], "napper") in names, names

# The same run's folded off-CPU lines weigh what its slices add up to.
def folded(path):
    out = {}
    for line in open(path):
        stack, w = line.rstrip("\n").rsplit(" ", 1)
        if "[off-cpu:" in stack:
            out[stack] = int(w)
    return out

comm = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
ms = collections.defaultdict(float)
for e in slices:
    ms[";".join([comm[e["tid"]]] + e["args"]["stack"] + [e["name"]])] += e["dur"] / 1000
with_ = folded(tmp + "/with.folded")
assert set(with_) == set(ms), (set(with_) ^ set(ms))
for stack, w in with_.items():
    assert abs(w - ms[stack]) < 1, (stack, w, ms[stack])

# With or without the flag, each thread's nap stacks weigh its naps: at
# least what was asked for, at most what the naps took (+1 for rounding).
for run, truth_file in (("with", "truth"), ("without", "truth2")):
    t = naps(tmp + "/" + truth_file)
    f = folded(tmp + "/" + run + ".folded")
    for fn, root in (("nap_short", "sleepers;"), ("nap_long", "napper;")):
        w = sum(v for s, v in f.items() if s.startswith(root) and ";" + fn + ";" in s)
        asked = sum(r for _, n, r, _, _ in t if n == fn) / 1e6
        took = sum(e - s for _, n, _, s, e in t if n == fn) / 1e6
        assert asked - 1 <= w <= took + 1, (run, fn, w, asked, took)
print("trace: %d off-CPU slices, %d naps matched" % (len(slices), len(truth)))
PY
[ $? = 0 ] || exit 1
echo PASS
