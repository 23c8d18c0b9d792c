#!/bin/sh
# The live page's GPU timeline in a real browser (headless Chromium over the
# DevTools protocol, tests/shell/lib/cdp.py), on a live session of the mock
# CUDA app (tests/fixtures/gpu/launch_paths_app --sync: the real injector,
# pipe and GPU source; only CUPTI is the mock). The app plays known work:
# stream 7 k_a 40 ms, k_b 60 ms, a 30 ms copy; stream 9 k_other 100 ms,
# k_c 30 ms; each launch timed over the millisecond before its kernel; a
# stream synchronize of 100 ms and a device synchronize of 40 ms. Checked:
# the timeline button appears, one lane per stream and one for the thread,
# every piece of work once with widths in the ratio of their durations,
# hovering a kernel marks its launch (same correlation id) and says both,
# the two synchronize boxes. A session without GPU work never shows the
# button. XPU_SCREENSHOT=docs/live-http-timeline.png keeps the screenshot.
# Exit 0 pass, 1 fail, 2 skip (not root, no chromium, no CUPTI fixtures).
. "$(dirname "$0")/lib/bpf_test.sh"
. "$(dirname "$0")/lib/live_http.sh"
app=$B/fixtures/launch_paths_app
mock=$PWD/$B/fixtures/mock_cupti/libcupti.so
if [ ! -x "$app" ] || [ ! -r "$mock" ] || [ ! -r $B/libxpu_cupti.so ]; then
	echo "skipped: built without CUDA's CUPTI headers: no injector or mock libcupti"
	exit 2
fi
$B/xpu-perf --version | grep -q 'web page (live --http): built in (d3' || {
	echo "skipped: this binary was built without d3 (fallback page)"
	exit 2
}

# The app's records reach the injector at its exit (the mock flushes
# CUPTI then); the shell keeps the session open for the page.
XPU_PERF_CUPTI=$mock start_live_http -i 0.5 --duration 60 -- sh -c "$app --sync; sleep 60"

timeout 120 python3 - "$CHROMIUM" "$url" "$tmp" "${XPU_SCREENSHOT:-}" <<'PY' || { cat "$tmp/err"; exit 1; }
import os, shutil, sys
sys.path.insert(0, "tests/shell/lib")
from cdp import Page

chromium, url, tmp, keep = sys.argv[1:5]
page = Page(chromium, tmp)
fail = []
try:
    page.open(url)
    page.wait_for("!document.getElementById('show-tl').hidden", "the GPU timeline button", timeout=40)
    page.js("document.getElementById('show-tl').click()")
    page.wait_for("+document.body.dataset.timelineGpu >= 5 && +document.body.dataset.timelineWaits >= 2",
                  "the played work on the timeline", timeout=30)
    page.js("document.getElementById('pause').click()")  # hold it still
    page.wait_for("document.getElementById('mode').textContent == 'paused'", "paused")
    if not page.js("document.getElementById('flame').hidden"):
        fail.append("the 2D flame graph is still shown under the timeline")
    lanes = page.js("[...document.querySelectorAll('#tl-svg text.tl-label')].map(t => t.textContent)")
    gpu_lanes = [l for l in lanes if l.startswith("GPU ")]
    if gpu_lanes != ["GPU 0 stream 7", "GPU 0 stream 9"]:
        fail.append(f"GPU lanes {gpu_lanes}")
    if len(lanes) != 3 or not lanes[2].startswith("launch_paths_ap "):
        fail.append(f"lanes {lanes}")
    work = page.js("[...document.querySelectorAll('#tl-svg rect.tl-gpu')].map(r => "
                   "[r.dataset.name, +r.getAttribute('width'), +r.dataset.dur])")
    names = sorted(w[0] for w in work)
    if names != sorted(["k_a", "k_b", "k_other", "k_c", "Memcpy HtoD"]):
        fail.append(f"GPU work {names}")
    width = {w[0]: w[1] for w in work}
    dur = {w[0]: w[2] for w in work}
    want = {"k_a": 40000, "k_b": 60000, "k_other": 100000, "k_c": 30000, "Memcpy HtoD": 30000}
    if dur != {k: float(v) for k, v in want.items()}:
        fail.append(f"durations {dur}")
    # Widths in the ratio of the durations (one axis for every lane).
    for k, v in want.items():
        r = width.get(k, 0) / width.get("k_other", 1)
        if abs(r - v / 100000) > 0.01:
            fail.append(f"{k}: width ratio {r:.4f}, want {v / 100000:.4f}")
    calls = page.js("[...document.querySelectorAll('#tl-svg rect.tl-call')].map(r => r.dataset.name)")
    if sorted(calls) != ["cudaLaunchKernel"] * 4 + ["cudaMemcpy"]:
        fail.append(f"calls {calls}")
    waits = page.js("[...document.querySelectorAll('#tl-svg rect.tl-wait')].map(r => [r.dataset.name, +r.dataset.dur])")
    if sorted(waits) != [["cudaDeviceSynchronize", 40000], ["cudaStreamSynchronize", 100000]]:
        fail.append(f"waits {waits}")
    # Hover k_b: it and its launch are marked, the line says both.
    page.js("""(() => {
        const r = [...document.querySelectorAll('#tl-svg rect.tl-gpu')].find(r => r.dataset.name == 'k_b');
        r.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
    })()""")
    linked = page.js("[...document.querySelectorAll('#tl-svg .tl-linked')].map(r => r.dataset.name).sort()")
    if linked != ["cudaLaunchKernel", "k_b"]:
        fail.append(f"hover k_b marks {linked}")
    info = page.js("document.getElementById('tl-info').textContent")
    if not (info.startswith("k_b 60.000 ms") and info.endswith("\u2194 cudaLaunchKernel")):
        fail.append(f"hover line {info!r}")
    if keep:
        shutil.copy(page.shot("timeline.png")[0], keep)
    print(f"timeline: lanes {lanes}; work {names}; waits {waits}; hover: {info}")
finally:
    page.close()
sys.exit("FAIL: " + "; ".join(fail) if fail else 0)
PY
# Without GPU work the button never shows.
kill -INT $live 2>/dev/null; wait $live 2>/dev/null
mkdir -p "$tmp/nogpu"
start_live_http -i 0.3 --duration 30 -- $B/examples/cpu_split -t 20
timeout 100 python3 - "$CHROMIUM" "$url" "$tmp" <<'PY' || { cat "$tmp/err"; exit 1; }
import sys
sys.path.insert(0, "tests/shell/lib")
from cdp import Page
chromium, url, tmp = sys.argv[1:4]
page = Page(chromium, tmp + "/nogpu")
try:
    page.open(url)
    page.wait_for("document.body.dataset.window >= 3", "three windows", timeout=60)
    if not page.js("document.getElementById('show-tl').hidden"):
        sys.exit("FAIL: the GPU timeline button shows without GPU work")
    print("no GPU work: no timeline button")
finally:
    page.close()
PY
