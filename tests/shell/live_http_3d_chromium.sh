#!/bin/sh
# The live page's 3D view in a real browser (headless Chromium over the
# DevTools protocol, tests/shell/lib/cdp.py), against a live session on
# cpu_split (burn_60/burn_30/burn_10 by construction). With WebGL (Chromium's
# SwiftShader): the view shows every window the page kept, one block per
# frame of each window's tree (counted here from the same trees), the block
# with the largest self share is churn called from burn_60, the mouse
# pointed at burn_60's block in the newest window hovers it (three.js's ray,
# not ours), dragging turns the scene, a new filter starts the stack of
# windows afresh, and the 2D view is still there. Without WebGL (a second
# Chromium with --disable-3d-apis): the view says so in one line and 2D goes on.
# XPU_SCREENSHOT=docs/live-http-3d.png keeps the screenshot the README shows.
# Exit 0 pass (a missing WebGL is a SKIP line for that part), 1 fail,
# 2 skip (not root, or no chromium).
. "$(dirname "$0")/lib/bpf_test.sh"
. "$(dirname "$0")/lib/live_http.sh"
$B/xpu-perf --version | grep -q 'web page (live --http): .*three' || {
	echo "skipped: this binary was built without three.js (fallback page)"
	exit 2
}

start_live_http -i 0.4 -F 499 --duration 60 -- $B/examples/cpu_split -n 100000000

timeout 170 python3 - "$CHROMIUM" "$url" "$tmp" "${XPU_SCREENSHOT:-}" <<'PY' || { cat "$tmp/err"; exit 1; }
import os, shutil, sys, time, urllib.request
sys.path.insert(0, "tests/shell/lib")
from cdp import Page

chromium, url, tmp, keep = sys.argv[1:5]


def scratch(name):
    os.makedirs(os.path.join(tmp, name), exist_ok=True)
    return os.path.join(tmp, name)


def blocks(tree, depth=0, callers=()):
    """The blocks the view must draw for one tree, in its order: (stack, depth, self);
    stack: the frames from below the root to this one."""
    kids = tree.get("c", [])
    stack = callers + (tree["n"],) if depth else ()
    yield stack, depth, tree["v"] - sum(c["v"] for c in kids)
    for c in kids:
        yield from blocks(c, depth + 1, stack)


def with_webgl():
    page = Page(chromium, scratch("gl"))
    try:
        page.open(url)
        page.wait_for("document.body.dataset.window >= 1", "a first window")
        page.js("document.getElementById('show-3d').click()")
        state = page.wait_for("document.body.dataset.view3d", "the 3D view to start or give up")
        if state != "webgl":
            print("SKIP: WebGL part:", page.js("document.getElementById('note3d').textContent"))
            return False
        page.wait_for("+document.body.dataset.windows3d >= 4", "four windows in 3D", timeout=30)
        page.js("document.getElementById('pause').click()")  # hold the scene still
        page.wait_for("document.getElementById('mode').textContent == 'paused'", "paused")
        time.sleep(0.5)  # a window already on its way may still land
        # Read the page's kept trees and what it drew in one go (no window between).
        got = page.js("""(() => ({ trees, k: view3d.windows, m: view3d.blocks.length,
            drawn: view3d.mesh.count, heaviest: document.body.dataset.heaviest3d,
            shown: +document.body.dataset.blocks3d }))()""")
        trees = got["trees"]
        want_m = sum(len(list(blocks(t["flame"]))) for t in trees)
        wins = [t["window"] for t in trees]
        print(f"3D: {len(trees)} windows ({wins[0]}..{wins[-1]}), {got['m']} blocks, "
              f"heaviest {got['heaviest']}")
        ms = page.js("(() => { const t = performance.now(); view3d.show(trees); "
                     "return performance.now() - t; })()")
        print(f"rebuilding the scene ({got['m']} blocks, SwiftShader): {ms:.1f} ms")
        assert got["k"] == len(trees) >= 4 and wins == sorted(set(wins)), wins
        assert got["m"] == got["drawn"] == got["shown"] == want_m, (got["m"], got["drawn"], want_m)
        # The heaviest block by self share, worked out here from the trees:
        # churn does burn_60's work (cpu_split), 60% of each window.
        best = max(((s / t["flame"]["v"], n) for t in trees for n, d, s in blocks(t["flame"]) if d > 0))
        assert ";".join(best[1]) == got["heaviest"], (best, got["heaviest"])
        assert best[1][-1] == "churn" and "burn_60" in best[1], best
        # Point the mouse at burn_60's block in the newest window: the page's
        # ray must find it and the tip must name it with its share.
        newest = trees[-1]["flame"]
        first = got["m"] - len(list(blocks(newest)))
        ids = [first + i for i, (n, d, s) in enumerate(blocks(newest)) if n[-1:] == ("burn_60",)]
        assert ids, "no burn_60 in the newest window"
        p = page.js(f"view3d.screenOf({ids[0]})")
        page.mouse("moved", p["x"], p["y"])
        tip = page.wait_for("""document.body.dataset.hover3d === 'burn_60' &&
            document.querySelector('.tip3d').textContent""", "the hover tip on burn_60")
        print("hover:", tip)
        assert tip.startswith("burn_60: ") and "% of window" in tip, tip
        # Pixels: the block is drawn where it was pointed at, on a white page.
        px = page.js(f"""(() => {{ const c = document.querySelector('#flame3d canvas');
            const r = c.getBoundingClientRect(), s = c.width / r.width;
            const g = document.createElement('canvas'); g.width = c.width; g.height = c.height;
            const x = g.getContext('2d'); x.drawImage(c, 0, 0);
            const at = (u, v) => [...x.getImageData(Math.round(u * s), Math.round(v * s), 1, 1).data];
            return [at({p['x']} - r.left, {p['y']} - r.top), at(2, 2)]; }})()""")
        print("pixel at burn_60:", px[0], "corner:", px[1])
        assert px[1][:3] == [255, 255, 255] and px[0][:3] != [255, 255, 255], px
        # A drag turns the scene: other pixels.
        shot, before = page.shot("3d-before.png")
        if keep:
            shutil.copy(shot, keep)
        page.mouse("pressed", p["x"], p["y"])
        page.mouse("moved", p["x"] + 120, p["y"] + 30, buttons=1)
        page.mouse("released", p["x"] + 120, p["y"] + 30)
        time.sleep(0.3)
        _, after = page.shot("3d-after.png")
        assert before != after, "the drag did not turn the scene"
        # Another filter: the windows kept from before it are dropped, not mixed in.
        page.js("document.getElementById('pause').click()")
        wf = page.js("+document.body.dataset.window")
        urllib.request.urlopen(url + "api/control", data=b"layers=cpu&regex=burn_30").read()
        page.wait_for(f"trees.length > 0 && trees[0].window > {wf}", "the trees under the new filter")
        names = page.js("[...new Set(view3d.blocks.map((b) => b.name))]")
        assert "burn_30" in names and "burn_60" not in names and "burn_10" not in names, names
        urllib.request.urlopen(url + "api/control", data=b"layers=cpu&regex=").read()
        # Back to 2D: the flame graph is there, burn_60 in it.
        page.js("document.getElementById('show-2d').click()")
        page.wait_for("!document.getElementById('flame').hidden && "
                      "document.getElementById('flame3d').hidden && "
                      "document.querySelectorAll('#flame g[name=\"burn_60\"]').length > 0",
                      "the 2D view again")
        return True
    finally:
        page.close()


def without_webgl():
    page = Page(chromium, scratch("nogl"), flags=("--disable-3d-apis",))
    try:
        page.open(url)
        page.wait_for("document.body.dataset.window >= 1", "a first window")
        page.js("document.getElementById('show-3d').click()")
        page.wait_for("document.body.dataset.view3d === 'off'", "the 3D view giving up")
        note = page.js("document.getElementById('note3d').textContent")
        print("without WebGL:", note)
        assert note == "3D view unavailable: this browser has no WebGL. The 2D flame graph works.", note
        assert page.js("document.querySelectorAll('#flame3d canvas').length") == 0
        w = page.js("+document.body.dataset.window")
        page.js("document.getElementById('show-2d').click()")
        page.wait_for(f"+document.body.dataset.window > {w} && "
                      "document.querySelectorAll('#flame g[name=\"burn_60\"]').length > 0",
                      "the 2D view moving on")
    finally:
        page.close()


without_webgl()
# The on-CPU layer only: on this shared machine the workload also waits
# runnable ([off-cpu:R]) for a share no one chose; its CPU split is by construction.
urllib.request.urlopen(url + "api/control", data=b"layers=cpu").read()
print("ok" if with_webgl() else "ok (without the WebGL part)")
PY

kill -INT $live
wait $live
rc=$?
cleanup=:
[ "$rc" = 130 ] || { cat "$tmp/err"; echo "FAIL: live exited $rc"; exit 1; }
echo ok
