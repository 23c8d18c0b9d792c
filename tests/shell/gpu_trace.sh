#!/bin/bash
# record --trace on the fixture CUDA app (tests/fixtures/gpu/fake_cuda_app):
# GPU records on the device/stream lane with exact times, one launch call
# per hook on the thread's lane with its stack, a flow per GPU record of a
# matched launch (4 for the graph launch), and the folded output unchanged.
# Exit 0 pass, 1 fail, 2 skip (not root: no eBPF).
set -u
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (eBPF)"; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
build/xpu-perf record -F 1000 --gpu-injector build/fixtures/libxpu_launch_hook.so \
	-o "$tmp/out.folded" --trace "$tmp/t.json.gz" \
	build/fixtures/fake_cuda_app tests/fixtures/gpu/fake_cuda_app.stream 2>"$tmp/err" || {
	cat "$tmp/err"; exit 1; }
build/xpu-perf record -F 1000 --gpu-injector build/fixtures/libxpu_launch_hook.so \
	-o "$tmp/plain.folded" build/fixtures/fake_cuda_app tests/fixtures/gpu/fake_cuda_app.stream \
	2>/dev/null >/dev/null || exit 1
python3 - "$tmp" <<'PY'
import gzip, json, sys
tmp = sys.argv[1]
ev = json.load(gzip.open(tmp + "/t.json.gz"))["traceEvents"]
X = [e for e in ev if e["ph"] == "X"]
gpu = [(e["name"], e["ts"], e["dur"], e["args"]["correlation"]) for e in X if e["pid"] == 0 and e["tid"] == 7]
want = [("void scale<float>(float*, int)", 1000000.0 + 10000 * i, 10000.0, i + 1) for i in range(3)]
want += [("step()", 1030000.0 + 5000 * i, 5000.0, 10) for i in range(4)]
want += [("Memcpy HtoD(pageable)", 1050000.0, 2000.0, 20), ("void scale<float>(float*, int)", 1052000.0, 7000.0, 99)]
assert gpu == want, gpu
# A graph's kernels share the launch's correlation id; the node tells them apart.
nodes = [e["args"].get("graph node") for e in X if e["pid"] == 0 and e["name"] == "step()"]
assert nodes == [1, 2, 3, 4], nodes
calls = [e for e in X if e["pid"] != 0]
assert [(e["name"], e["args"]["correlation"]) for e in calls] == [
    ("cudaLaunchKernel", 1), ("cudaLaunchKernel", 2), ("cudaLaunchKernel", 3),
    ("cudaGraphLaunch", 10), ("cudaMemcpy", 20)], calls
for e in calls:
    assert e["args"]["stack"][-2] == "main", e
s = {e["id"]: e for e in ev if e["ph"] == "s"}
f = {e["id"]: e for e in ev if e["ph"] == "f"}
assert sorted(s) == sorted(f) and len(s) == 8, (s, f)
assert all(e["bp"] == "e" and e["cat"] == "ac2g" for e in f.values())
assert sorted(i & 0xffffffff for i in f) == [1, 2, 3, 10, 10, 10, 10, 20]
names = {(e["pid"], e["name"], e["args"]["name"]) for e in ev if e["ph"] == "M"}
assert (0, "process_name", "GPU 0") in names and (0, "thread_name", "stream 7") in names, names
PY
[ $? = 0 ] || exit 1
# The folded output of the same run is the same as without --trace (GPU part).
grep GPU_ "$tmp/out.folded" | sed 's/^[^;]*;//' | sort >"$tmp/a"
grep GPU_ "$tmp/plain.folded" | sed 's/^[^;]*;//' | sort >"$tmp/b"
[ -s "$tmp/a" ] || exit 1
diff "$tmp/a" "$tmp/b" || exit 1
echo PASS
