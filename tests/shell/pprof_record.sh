#!/bin/sh
# record --pprof, read by Google's pprof (build/tools/pprof, `make tools`),
# against the folded output of the same run and what the fixtures know:
# - examples/cpu_split at -F 199: samples/count equals the folded on-CPU
#   weight, cpu/nanoseconds that times 1e9/199 (to a nanosecond a sample),
#   offcpu/nanoseconds (measured) rounds at 199 Hz to the folded off-CPU
#   weight exactly; every sample's pid and tid are the program's pid
#   (one thread); mapping 1 is the binary, with readelf's build id; libc's
#   mapping has libc's build id; kernel frames are in [kernel];
# - examples/wall_split: the writer thread's samples carry the tid it
#   prints, the main thread's the pid;
# - the fixture CUDA app (as gpu_trace.sh runs it) with --gpu-streams:
#   gpu/nanoseconds is the stream file's 59 ms exactly, labelled device 0,
#   stream 7; and the folded output is the same as without --pprof;
# - --pprof - writes the profile alone to stdout (the command's output goes
#   to stderr); --pprof naming -o's file is a usage error (exit 1).
# Exit 0 pass, 1 fail, 2 skip (no pprof built here, or not root).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build
P=$B/tools/pprof
[ -x "$P" ] || { echo "skipped: no $P (make tools needs golang-go and golang-github-google-pprof-dev)"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "skipped: record needs root (eBPF)"; exit 2; }
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# `pprof -raw` as JSON: sample types, samples (values, labels, locations),
# locations (address, mapping, function names) and mappings.
cat >"$tmp/raw.py" <<'PY'
import json, re, sys
types, samples, locs, maps = [], [], {}, {}
part = None
for line in sys.stdin:
    line = line.rstrip("\n")
    if line in ("Samples:", "Locations", "Mappings"):
        part = line
        continue
    if part == "Samples:":
        if not types:
            types = [t.replace("[dflt]", "") for t in line.split()]
        elif re.match(r"^\s+-?\d+(\s+-?\d+)*:", line):
            vals, ids = line.split(":", 1)
            samples.append({"values": [int(v) for v in vals.split()],
                            "locations": [int(i) for i in ids.split()], "labels": {}})
        elif samples and line.strip():
            for k, v in re.findall(r"(\w+):\[([^\]]*)\]", line):
                samples[-1]["labels"][k] = v
    elif part == "Locations":
        m = re.match(r"^\s+(\d+): (0x[0-9a-f]+) (?:M=(\d+) )?(.*) :\d+ s=\d+", line)
        if m:
            last = int(m.group(1))
            locs[last] = {"address": int(m.group(2), 16), "mapping": int(m.group(3) or 0),
                          "functions": [m.group(4)]}
        elif line.strip():  # an inlined line of the location above
            locs[last]["functions"].append(line.strip().rsplit(" :", 1)[0])
    elif part == "Mappings":
        m = re.match(r"^(\d+): (0x[0-9a-f]+)/(0x[0-9a-f]+)/(0x[0-9a-f]+) (\S*) ?(\S*) ?(\S*)$", line)
        if m:
            build_id = m.group(6) if not m.group(6).startswith("[") else ""
            maps[int(m.group(1))] = {"file": m.group(5), "build_id": build_id}
json.dump({"types": types, "samples": samples, "locations": locs, "mappings": maps}, sys.stdout)
PY
raw() { $P -raw "$1" 2>/dev/null | python3 "$tmp/raw.py" >"$2"; }
build_id() { readelf -n "$1" | awk '/Build ID/ { print $3 }'; }

# --- on-CPU and off-CPU of one thread -------------------------------------
$B/xpu-perf record -F 199 -o "$tmp/c.folded" --pprof "$tmp/c.pb.gz" -- \
	$B/examples/cpu_split -t 1 >"$tmp/c.out" 2>"$tmp/c.err" || { cat "$tmp/c.err"; fail "record cpu_split"; }
raw "$tmp/c.pb.gz" "$tmp/c.json"
libc=$(ldd $B/examples/cpu_split | awk '/libc.so/ { print $3 }')
python3 - "$tmp" "$(build_id $B/examples/cpu_split)" "$(readlink -f $B/examples/cpu_split)" \
	"$(build_id "$libc")" "$(readlink -f "$libc")" <<'PY' || fails=$((fails + 1))
import json, re, sys
tmp, exe_id, exe, libc_id, libc = sys.argv[1:6]
p = json.load(open(tmp + "/c.json"))
pid = int(re.search(r"truth pid=(\d+)", open(tmp + "/c.out").read()).group(1))
on = off = 0
for line in open(tmp + "/c.folded"):
    stack, w = line.rsplit(" ", 1)
    if "[off-cpu:" in stack:
        off += int(w)
    else:
        on += int(w)
col = {t: i for i, t in enumerate(p["types"])}
total = lambda t: sum(s["values"][col[t]] for s in p["samples"])
fail = []
if p["types"][:3] != ["samples/count", "cpu/nanoseconds", "offcpu/nanoseconds"]:
    fail.append(f"types {p['types']}")
if total("samples/count") != on:
    fail.append(f"samples {total('samples/count')} != folded on-CPU {on}")
if abs(total("cpu/nanoseconds") - on * 1e9 / 199) > len(p["samples"]):
    fail.append(f"cpu ns {total('cpu/nanoseconds')} != {on} x 1e9/199")
if round(total("offcpu/nanoseconds") * 199 / 1e9) != off:
    fail.append(f"offcpu ns {total('offcpu/nanoseconds')} at 199 Hz != folded off-CPU {off}")
bad = [s["labels"] for s in p["samples"] if s["labels"].get("pid") != str(pid) or s["labels"].get("tid") != str(pid)]
if bad:
    fail.append(f"pid/tid labels not {pid}: {bad[:3]}")
m = p["mappings"]
if m.get("1", {}).get("file") != exe or m["1"]["build_id"] != exe_id:
    fail.append(f"mapping 1 is {m.get('1')}, not {exe} {exe_id}")
libcs = [x for x in m.values() if x["file"] == libc]
if not libcs or any(x["build_id"] != libc_id for x in libcs):
    fail.append(f"libc mappings {libcs}, want build id {libc_id}")
kernel = [k for k, x in m.items() if x["file"] == "[kernel]"]
kframes = [l for l in p["locations"].values() if l["functions"][0].endswith("_[k]")]
if not kframes or any(str(l["mapping"]) not in kernel for l in kframes):
    fail.append(f"kernel frames outside [kernel]: {kframes[:2]}")
burn = [l for l in p["locations"].values() if l["functions"] == ["burn_60"]]
if not burn or any(l["mapping"] != 1 or l["address"] == 0 for l in burn):
    fail.append(f"burn_60 not at an address in mapping 1: {burn}")
root = [l for l in p["locations"].values() if l["functions"] == ["cpu_split"]]
if len(root) != 1 or root[0]["mapping"] != 0 or root[0]["address"] != 0:
    fail.append(f"the thread's root frame is not one location without a mapping: {root}")
print(f"cpu_split: {on} on-CPU, {off} off-CPU samples; pprof {len(p['samples'])} samples, "
      f"{len(m)} mappings, offcpu {total('offcpu/nanoseconds')} ns")
sys.exit("FAIL: " + "; ".join(fail) if fail else 0)
PY

# --- threads ----------------------------------------------------------------
$B/xpu-perf record -F 199 -o "$tmp/w.folded" --pprof "$tmp/w.pb.gz" -- \
	$B/examples/wall_split -t 1 >"$tmp/w.out" 2>"$tmp/w.err" || { cat "$tmp/w.err"; fail "record wall_split"; }
raw "$tmp/w.pb.gz" "$tmp/w.json"
python3 - "$tmp" <<'PY' || fails=$((fails + 1))
import json, re, sys
tmp = sys.argv[1]
p = json.load(open(tmp + "/w.json"))
truth = open(tmp + "/w.out").read()
pid = re.search(r"truth pid=(\d+)", truth).group(1)
writer = re.search(r"writer_tid=(\d+)", truth).group(1)
by_comm = {}
for s in p["samples"]:
    l = s["labels"]
    if l.get("pid") == pid:
        by_comm.setdefault(l.get("comm"), set()).add(l.get("tid"))
fail = []
if by_comm.get("writer") != {writer}:
    fail.append(f"writer's tids {by_comm.get('writer')} != {{{writer}}}")
# A new thread bears its creator's name until its prctl(PR_SET_NAME): a
# sample (or a wait) in that moment is the writer's tid under "wall_split".
main_tids = by_comm.get("wall_split", set())
if pid not in main_tids or not main_tids <= {pid, writer}:
    fail.append(f"main thread's tids {main_tids}: want {pid} (and at most {writer})")
print(f"wall_split: pid {pid}, writer tid {writer}; tids by comm {by_comm}")
sys.exit("FAIL: " + "; ".join(fail) if fail else 0)
PY

# --- GPU --------------------------------------------------------------------
gpu_record() {
	$B/xpu-perf record -F 1000 --gpu-streams --gpu-injector $B/fixtures/libxpu_launch_hook.so "$@" \
		$B/fixtures/fake_cuda_app tests/fixtures/gpu/fake_cuda_app.stream
}
gpu_record -o "$tmp/g.folded" --pprof "$tmp/g.pb.gz" >/dev/null 2>"$tmp/g.err" || { cat "$tmp/g.err"; fail "record the CUDA app"; }
gpu_record -o "$tmp/g2.folded" >/dev/null 2>&1 || fail "record the CUDA app without --pprof"
grep GPU_ "$tmp/g.folded" | sed 's/^[^;]*;//' | sort >"$tmp/ga"
grep GPU_ "$tmp/g2.folded" | sed 's/^[^;]*;//' | sort >"$tmp/gb"
[ -s "$tmp/ga" ] && cmp -s "$tmp/ga" "$tmp/gb" || fail "the folded GPU stacks differ with --pprof"
raw "$tmp/g.pb.gz" "$tmp/g.json"
python3 - "$tmp" <<'PY' || fails=$((fails + 1))
import json, sys
tmp = sys.argv[1]
p = json.load(open(tmp + "/g.json"))
col = {t: i for i, t in enumerate(p["types"])}
fail = []
if "gpu/nanoseconds" not in col:
    sys.exit(f"FAIL: no gpu type in {p['types']}")
gpu = [s for s in p["samples"] if s["values"][col["gpu/nanoseconds"]]]
total = sum(s["values"][col["gpu/nanoseconds"]] for s in gpu)
if total != 59000000:
    fail.append(f"gpu ns {total} != 59000000 (the stream file's 30 + 20 + 2 + 7 ms)")
bad = [s["labels"] for s in gpu if (s["labels"].get("gpu_device"), s["labels"].get("gpu_stream")) != ("0", "7")]
if bad:
    fail.append(f"GPU samples not labelled device 0 stream 7: {bad}")
launched = [s for s in gpu if "tid" in s["labels"]]
if not launched or any(s["labels"]["tid"] != s["labels"]["pid"] for s in launched):
    fail.append(f"launch tids: {[s['labels'] for s in gpu]}")
leaf = {p["locations"][str(s["locations"][0])]["mapping"] for s in gpu}
if leaf != {0}:
    fail.append(f"GPU leaves have mappings {leaf}")
folded_gpu = sum(int(l.rsplit(" ", 1)[1]) for l in open(tmp + "/g.folded") if "[GPU_" in l)
print(f"GPU: {total} ns in {len(gpu)} samples; folded GPU weight {folded_gpu} at 1000 Hz")
if folded_gpu != 59:
    fail.append(f"folded GPU weight {folded_gpu} != 59")
sys.exit("FAIL: " + "; ".join(fail) if fail else 0)
PY

# --- usage ------------------------------------------------------------------
$B/xpu-perf record -o "$tmp/same" --pprof "$tmp/same" -- true 2>"$tmp/u.err"
[ $? = 1 ] && grep -q -- "--pprof and -o name the same file" "$tmp/u.err" || fail "--pprof = -o: $(cat "$tmp/u.err")"

# --pprof -: the profile alone on stdout, the command's output on stderr.
$B/xpu-perf record -F 99 -o "$tmp/s.folded" --pprof - -- $B/examples/cpu_split -t 0.2 \
	>"$tmp/s.pb.gz" 2>"$tmp/s.err" || fail "record --pprof -"
grep -q "^truth pid=" "$tmp/s.err" || fail "the command's output is not on stderr"
$P -raw "$tmp/s.pb.gz" 2>/dev/null | grep -q '^samples/count\[dflt\]' || fail "--pprof - is not a profile"

[ "$fails" = 0 ] || exit 1
echo ok
