#!/bin/sh
# record --trace's file opened in speedscope in a real browser: the fixture
# CUDA app (tests/fixtures/gpu/fake_cuda_app, as tests/shell/gpu_trace.sh
# records it, under real eBPF), speedscope's own release build (its npm
# package, tests/shell/lib/speedscope.sh) served on 127.0.0.1 (it fetches
# #profileURL= only over http), in headless Chromium (tests/shell/lib/cdp.py).
# Read from the page, not from our JSON: no error screen and no importer
# warning (speedscope warns when a lane's slices do not nest), the two
# profiles it lists (GPU 0's stream 7, the app's thread; names exact, each
# lane's total), the sandwich table of the stream's lane: every kernel and
# copy of the fixture, its name as speedscope shows it (name and args) and
# its time, exact; and the thread's lane: the five launch calls.
# Exit 0 pass, 1 fail, 2 skip (not root, no chromium, no npm or network).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build
[ "$(id -u)" = 0 ] || { echo "skipped: needs root (eBPF)"; exit 2; }
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
	echo "skipped: no chromium (make deps installs it)"
	exit 2
fi
. tests/shell/lib/speedscope.sh
speedscope_release
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/www"
ln -s "$PWD/$SPEEDSCOPE" "$tmp/www/speedscope"

# gzip'd, as most will write it: speedscope inflates it itself.
$B/xpu-perf record -F 1000 --gpu-injector $B/fixtures/libxpu_launch_hook.so \
	-o "$tmp/out.folded" --trace "$tmp/www/t.json.gz" \
	$B/fixtures/fake_cuda_app tests/fixtures/gpu/fake_cuda_app.stream >/dev/null 2>"$tmp/err" || {
	cat "$tmp/err"; exit 1; }
pid=$(sed -n 's/^xpu-perf: *fake_cuda_app\[\([0-9]*\)\].*/\1/p' "$tmp/err")
[ -n "$pid" ] || { echo "FAIL: no pid in record's summary"; cat "$tmp/err"; exit 1; }

timeout 120 python3 - "$CHROMIUM" "$tmp" "$pid" <<'PY' || { tail -n 5 "$tmp/chromium.log"; exit 1; }
import json, os, re, subprocess, sys
sys.path.insert(0, "tests/shell/lib")
from cdp import Page

chromium, tmp, pid = sys.argv[1:4]
server = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0",
                           "--directory", os.path.join(tmp, "www")],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
port = re.search(r" port (\d+)", server.stdout.readline()).group(1)
url = f"http://127.0.0.1:{port}/speedscope/index.html#profileURL=/t.json.gz&view=sandwich"

# What speedscope says besides the page: its importer warns (console.warn)
# when a lane's slices do not nest, and alerts when a file does not import
# (an alert would also block the page: kept, not shown).
CONSOLE = """window.__logged = [];
for (const kind of ['warn', 'error']) {
    const real = console[kind].bind(console);
    console[kind] = (...a) => { window.__logged.push(kind + ': ' + a.join(' ')); real(...a); };
}
window.alert = m => window.__logged.push('alert: ' + m);"""
# The sandwich table's rows (total, self, name); the profile list's have a title.
ROWS = ("[...document.querySelectorAll('tr:not([title])')].filter(r => r.querySelectorAll('td').length == 3)"
        ".map(r => [...r.cells].map(c => c.textContent))")


def kernel(name, ms, **args):  # as speedscope names a trace slice: name and its args
    return (f"{ms:.2f}ms", f"{ms:.2f}ms", name + " " + json.dumps(args, separators=(",", ":")))


page = Page(chromium, tmp)
fail = []
try:
    page.open("about:blank")
    page.send("Page.enable")  # else the script below never runs
    page.send("Page.addScriptToEvaluateOnNewDocument", {"source": CONSOLE})
    page.send("Page.navigate", {"url": url})
    page.wait_for("/\\(1\\/2\\)/.test(document.body.innerText) || window.__logged.length || "
                  "document.body.innerText.includes('went wrong')", "speedscope to import the trace")
    if page.js("window.__logged") != []:
        raise SystemExit(f"FAIL: speedscope said {page.js('window.__logged')}")
    if "went wrong" in page.js("document.body.innerText"):
        raise SystemExit("FAIL: speedscope's error screen")
    # Its profile list (the toolbar's drop-down): one profile per lane.
    profiles = page.js("[...document.querySelectorAll('tbody tr[title]')].map(r => "
                       "[r.title, r.cells[2].textContent])")
    want = [["GPU 0 (pid 0), stream 7 (tid 7)", "59.00ms"],
            [f"fake_cuda_app (pid {pid}), fake_cuda_app (tid {pid})", "0.00ns"]]
    if profiles != want:
        fail.append(f"profiles {profiles}, want {want}")
    # Stream 7 (fake_cuda_app.stream): 3 scale<float> of 10 ms, a graph of
    # 4 step() of 5 ms (one launch, nodes 1-4), a 2 ms copy, a 7 ms kernel.
    scale = "void scale<float>(float*, int)"
    want = [kernel(scale, 10, device=0, stream=7, correlation=c) for c in (1, 2, 3)]
    want += [kernel("step()", 5, device=0, stream=7, correlation=10, **{"graph id": 5, "graph node": n})
             for n in (1, 2, 3, 4)]
    want += [kernel("Memcpy HtoD(pageable)", 2, device=0, stream=7, correlation=20, bytes=4194304),
             kernel(scale, 7, device=0, stream=7, correlation=99)]
    page.wait_for(f"{ROWS}.length > 0", "the sandwich table")
    got = [tuple(re.sub(r" \(.*%\)$", "", c) for c in row) for row in page.js(ROWS)]
    if sorted(got) != sorted(want):
        fail.append(f"stream 7's lane: {got}")
    # The thread's lane: the launch calls, each at the hook's moment (no
    # CUPTI API records from this app, so 0 long), with their stacks.
    page.js("document.querySelectorAll('tbody tr[title]')[1]"
            ".dispatchEvent(new MouseEvent('mouseup', {bubbles: true}))")
    page.wait_for("/\\(2\\/2\\)/.test(document.body.innerText)", "the thread's profile")
    calls = []
    for total, _, name in page.js(ROWS):
        api, args = name.split(" ", 1)
        args = json.loads(args)
        calls.append((api, args["correlation"], args["stack"][-2], total))
    want = [("cudaLaunchKernel", c, "main", "0.00ns (NaN%)") for c in (1, 2, 3)]
    want += [("cudaGraphLaunch", 10, "main", "0.00ns (NaN%)"), ("cudaMemcpy", 20, "main", "0.00ns (NaN%)")]
    if sorted(calls) != sorted(want):
        fail.append(f"the thread's lane: {calls}")
    if page.js("window.__logged") != []:
        fail.append(f"speedscope said {page.js('window.__logged')}")
finally:
    page.close()
    server.kill()
for f in fail:
    print("FAIL:", f)
sys.exit(1 if fail else 0)
PY
echo ok
