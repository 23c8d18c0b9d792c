#!/bin/sh
# The live page in a real browser, against a live session on cpu_split
# (burn_60/burn_30/burn_10 by construction): headless Chromium, driven over
# the DevTools protocol through --remote-debugging-pipe (tests/shell/lib/
# cdp.py: plain pipes, no extra package), loads the page; the flame graph appears with the hot
# function in it, moves from one window to the next (DOM and pixels), a
# click zooms (and the zoom outlives the window), a regex typed into the
# filter box (keystrokes, then Enter) changes it, and the view and pause
# controls work.
# XPU_SCREENSHOT=docs/live-http.png keeps the screenshot the README shows.
# Exit 0 pass, 1 fail, 2 skip (not root, or no chromium).
. "$(dirname "$0")/lib/bpf_test.sh"
. "$(dirname "$0")/lib/live_http.sh"

start_live_http -i 0.5 -F 499 --duration 60 -- $B/examples/cpu_split -n 100000000

timeout 150 python3 - "$CHROMIUM" "$url" "$tmp" "${XPU_SCREENSHOT:-}" <<'PY' || { cat "$tmp/err"; exit 1; }
import json, shutil, sys, time, urllib.request
sys.path.insert(0, "tests/shell/lib")
from cdp import Page

chromium, url, tmp, keep = sys.argv[1:5]
page = Page(chromium, tmp)
try:
    page.open(url)
    # 1. The flame graph appears, with the hot function in it.
    page.wait_for("document.body.dataset.window >= 2 && "
                  "document.querySelectorAll('#flame g[name=\"burn_60\"]').length > 0",
                  "a flame graph with burn_60")
    time.sleep(0.4)  # let d3's transitions settle before measuring
    w1 = page.js("+document.body.dataset.window")
    f1 = page.frames()
    print("window", w1, "frames", len(f1), "burn_60/30/10 px:",
          [round(f1.get(n, 0)) for n in ("burn_60", "burn_30", "burn_10")])
    assert f1["burn_60"] > f1["burn_30"] > f1["burn_10"] > 0, f1
    assert page.js("document.querySelector('#top tbody').textContent.includes('churn')"), "top"
    assert page.js("document.getElementById('split-oncpu').textContent.startsWith('CPU')"), "split"
    p1, png1 = page.shot("one.png")
    # 2. It moves: a later window, other numbers, other pixels.
    page.wait_for(f"+document.body.dataset.window > {w1}", "the next window")
    time.sleep(0.4)
    w2 = page.js("+document.body.dataset.window")
    title2 = page.js("document.getElementById('flame-title').textContent")
    p2, png2 = page.shot("two.png")
    assert png1 != png2, "two windows, the same screenshot"
    print("window", w2, "title:", title2)
    if keep:  # the README's picture: paused, so that no transition is caught
        page.js("document.getElementById('pause').click()")
        page.wait_for("document.getElementById('mode').textContent == 'paused'", "paused")
        time.sleep(0.6)
        shutil.copy(page.shot("readme.png")[0], keep)
        page.js("document.getElementById('pause').click()")
        page.wait_for("document.getElementById('mode').textContent == ''", "resumed")
    # A click zooms into burn_10, and the next windows stay zoomed.
    page.js("""document.querySelector('#flame g[name="burn_10"]')
               .dispatchEvent(new MouseEvent('click', {bubbles: true}))""")
    page.wait_for(f"+document.body.dataset.window > {w2}", "a window after the zoom")
    time.sleep(0.4)
    fz = page.frames()
    full = page.js("document.querySelector('#flame svg').getBoundingClientRect().width")
    print("zoomed: burn_10", round(fz.get("burn_10", 0)), "px of", round(full))
    assert fz.get("burn_10", 0) > 0.9 * full and fz.get("burn_60", 0) == 0, fz
    page.js("""document.querySelector('#flame g[name="all"]')
               .dispatchEvent(new MouseEvent('click', {bubbles: true}))""")
    # 3. A regex typed into the filter box changes it: only burn_30's stacks.
    page.js("document.getElementById('regex').focus()")
    page.type("burn_30")
    assert page.js("document.getElementById('regex').value") == "burn_30", "typing did not land"
    page.enter()
    page.wait_for("document.querySelectorAll('#flame g[name=\"burn_60\"]').length == 0 && "
                  "document.querySelectorAll('#flame g[name=\"burn_30\"]').length > 0",
                  "the filtered flame graph")
    time.sleep(0.4)
    f3 = page.frames()
    print("filtered frames:", sorted(n for n in f3 if n.startswith("burn")))
    assert "burn_10" not in f3 and "burn_60" not in f3, f3
    state = json.load(urllib.request.urlopen(url + "api/state"))
    assert state["controls"]["filter"]["regex"] == "burn_30", state["controls"]
    page.shot("filtered.png")
    # 4. The other controls, clicked: the whole session, then pause/resume.
    page.js("""(() => { const v = document.getElementById('view'); v.value = 'session';
                       v.dispatchEvent(new Event('change')); })()""")
    page.wait_for("document.getElementById('flame-title').textContent.startsWith('session')",
                  "the session view")
    page.js("document.getElementById('pause').click()")
    page.wait_for("document.getElementById('mode').textContent == 'paused'", "paused")
    wp = page.js("+document.body.dataset.window")
    time.sleep(1.5)  # three intervals
    assert page.js("+document.body.dataset.window") == wp, "the page moved while paused"
    page.js("document.getElementById('pause').click()")
    page.wait_for(f"+document.body.dataset.window > {wp}", "a new window after resume")
    print("paused at window", wp, "resumed at", page.js("+document.body.dataset.window"))
    # The page's own streams: one, however often it re-rendered.
    state = json.load(urllib.request.urlopen(url + "api/state"))
    assert state["streams"] == 1, state["streams"]
finally:
    page.close()
print("ok")
PY

# The session ends with the browser gone: a clean stop.
kill -INT $live
wait $live
rc=$?
cleanup=:
# 130: stopped by SIGINT, as live always says (128+N)
[ "$rc" = 130 ] || { cat "$tmp/err"; echo "FAIL: live exited $rc"; exit 1; }
echo ok
