#!/bin/sh
# The live page in a real browser, against a live session on cpu_split
# (burn_60/burn_30/burn_10 by construction): headless Chromium, driven over
# the DevTools protocol through --remote-debugging-pipe (plain pipes, no
# extra package), loads the page; the flame graph appears with the hot
# function in it, moves from one window to the next (DOM and pixels), a
# click zooms (and the zoom outlives the window), a regex typed into the
# filter box (keystrokes, then Enter) changes it, and the view and pause
# controls work.
# XPU_SCREENSHOT=docs/live-http.png keeps the screenshot the README shows.
# Exit 0 pass, 1 fail, 2 skip (not root, or no chromium).
. "$(dirname "$0")/lib/bpf_test.sh"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
	echo "skipped: no chromium (make deps installs it)"
	exit 2
fi

$B/xpu-perf live --http 127.0.0.1:0 -i 0.5 -F 499 --duration 60 \
	-- $B/examples/cpu_split -n 100000000 2>"$tmp/err" &
live=$!
cleanup='kill -INT $live 2>/dev/null; wait $live 2>/dev/null'
url=
for _ in $(seq 100); do
	url=$(sed -n 's/^xpu-perf: serving \(http[^ ]*\) .*/\1/p' "$tmp/err")
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { cat "$tmp/err"; echo "FAIL: no URL"; exit 1; }

timeout 150 python3 - "$CHROMIUM" "$url" "$tmp" "${XPU_SCREENSHOT:-}" <<'PY' || { cat "$tmp/err"; exit 1; }
import base64, fcntl, json, os, select, shutil, subprocess, sys, time, urllib.request

chromium, url, tmp, keep = sys.argv[1:5]

def high(fd):  # out of the way of 3 and 4, where Chromium wants its pipes
    n = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return n

cmd_r, cmd_w = map(high, os.pipe())
res_r, res_w = map(high, os.pipe())
def child():
    os.dup2(cmd_r, 3)
    os.dup2(res_w, 4)
log = open(os.path.join(tmp, "chromium.log"), "w")
proc = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                         "--hide-scrollbars", "--remote-debugging-pipe",
                         "--window-size=1400,900", "--user-data-dir=" + tmp + "/profile",
                         "about:blank"],
                        preexec_fn=child, close_fds=False, stdout=log, stderr=log)
os.close(cmd_r); os.close(res_w)

buf, next_id, session = b"", 0, None
def send(method, params=None, sid=None):
    global buf, next_id
    next_id += 1
    msg = {"id": next_id, "method": method, "params": params or {}}
    if sid: msg["sessionId"] = sid
    os.write(cmd_w, json.dumps(msg).encode() + b"\0")
    deadline = time.time() + 30
    while True:
        while b"\0" in buf:
            raw, buf = buf.split(b"\0", 1)
            m = json.loads(raw)
            if m.get("id") == next_id:
                if "error" in m: raise RuntimeError(f"{method}: {m['error']}")
                return m["result"]
        r, _, _ = select.select([res_r], [], [], max(0, deadline - time.time()))
        if not r: raise RuntimeError(f"{method}: no answer from chromium")
        chunk = os.read(res_r, 1 << 20)
        if not chunk: raise RuntimeError("chromium closed the pipe")
        buf += chunk

def js(expr):
    r = send("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                  "awaitPromise": True}, session)
    if "exceptionDetails" in r: raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
    return r["result"].get("value")

def wait_for(expr, what, timeout=20):
    end = time.time() + timeout
    while time.time() < end:  # false while the page is still loading
        v = js(f"(() => {{ try {{ return ({expr}); }} catch (e) {{ return false; }} }})()")
        if v: return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")

def frames():  # the flame graph's frames: name -> width in pixels (summed)
    return js("""(() => { const out = {};
        for (const g of document.querySelectorAll('#flame g[name]')) {
            const r = g.querySelector('rect');
            out[g.getAttribute('name')] = (out[g.getAttribute('name')] || 0) +
                (r ? r.getBoundingClientRect().width : 0); }
        return out; })()""")

def shot(name):
    data = base64.b64decode(send("Page.captureScreenshot", {"format": "png"}, session)["data"])
    path = os.path.join(tmp, name)
    open(path, "wb").write(data)
    return path, data

try:
    target = send("Target.createTarget", {"url": url})["targetId"]
    session = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    # 1. The flame graph appears, with the hot function in it.
    wait_for("document.body.dataset.window >= 2 && "
             "document.querySelectorAll('#flame g[name=\"burn_60\"]').length > 0",
             "a flame graph with burn_60")
    time.sleep(0.4)  # let d3's transitions settle before measuring
    w1 = js("+document.body.dataset.window")
    f1 = frames()
    print("window", w1, "frames", len(f1), "burn_60/30/10 px:",
          [round(f1.get(n, 0)) for n in ("burn_60", "burn_30", "burn_10")])
    assert f1["burn_60"] > f1["burn_30"] > f1["burn_10"] > 0, f1
    assert js("document.querySelector('#top tbody').textContent.includes('churn')"), "top table"
    assert js("document.getElementById('split-oncpu').textContent.startsWith('CPU')"), "split legend"
    p1, png1 = shot("one.png")
    if keep:
        shutil.copy(p1, keep)
    # 2. It moves: a later window, other numbers, other pixels.
    wait_for(f"+document.body.dataset.window > {w1}", "the next window")
    time.sleep(0.4)
    w2 = js("+document.body.dataset.window")
    title2 = js("document.getElementById('flame-title').textContent")
    p2, png2 = shot("two.png")
    assert png1 != png2, "two windows, the same screenshot"
    print("window", w2, "title:", title2)
    # A click zooms into burn_10, and the next windows stay zoomed.
    js("""document.querySelector('#flame g[name="burn_10"]')
          .dispatchEvent(new MouseEvent('click', {bubbles: true}))""")
    wait_for(f"+document.body.dataset.window > {w2}", "a window after the zoom")
    time.sleep(0.4)
    fz = frames()
    full = js("document.querySelector('#flame svg').getBoundingClientRect().width")
    print("zoomed: burn_10", round(fz.get("burn_10", 0)), "px of", round(full))
    assert fz.get("burn_10", 0) > 0.9 * full and fz.get("burn_60", 0) == 0, fz
    js("""document.querySelector('#flame g[name="all"]')
          .dispatchEvent(new MouseEvent('click', {bubbles: true}))""")
    # 3. A regex typed into the filter box changes it: only burn_30's stacks.
    js("document.getElementById('regex').focus()")
    for ch in "burn_30":
        send("Input.dispatchKeyEvent", {"type": "keyDown", "key": ch, "text": ch}, session)
        send("Input.dispatchKeyEvent", {"type": "keyUp", "key": ch}, session)
    assert js("document.getElementById('regex').value") == "burn_30", "typing did not land"
    send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Enter", "code": "Enter",
                                    "windowsVirtualKeyCode": 13, "text": "\r"}, session)
    send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Enter", "code": "Enter",
                                    "windowsVirtualKeyCode": 13}, session)
    wait_for("document.querySelectorAll('#flame g[name=\"burn_60\"]').length == 0 && "
             "document.querySelectorAll('#flame g[name=\"burn_30\"]').length > 0",
             "the filtered flame graph")
    time.sleep(0.4)
    f3 = frames()
    print("filtered frames:", sorted(n for n in f3 if n.startswith("burn")))
    assert "burn_10" not in f3 and "burn_60" not in f3, f3
    state = json.load(urllib.request.urlopen(url + "api/state"))
    assert state["controls"]["filter"]["regex"] == "burn_30", state["controls"]
    shot("filtered.png")
    # 4. The other controls, clicked: the whole session, then pause/resume.
    js("""(() => { const v = document.getElementById('view'); v.value = 'session';
                  v.dispatchEvent(new Event('change')); })()""")
    wait_for("document.getElementById('flame-title').textContent.startsWith('session')",
             "the session view")
    js("document.getElementById('pause').click()")
    wait_for("document.getElementById('mode').textContent == 'paused'", "paused")
    wp = js("+document.body.dataset.window")
    time.sleep(1.5)  # three intervals
    assert js("+document.body.dataset.window") == wp, "the page moved while paused"
    js("document.getElementById('pause').click()")
    wait_for(f"+document.body.dataset.window > {wp}", "a new window after resume")
    print("paused at window", wp, "resumed at", js("+document.body.dataset.window"))
    # The page's own streams: one (this page), however often it re-rendered.
    assert state["streams"] == 1, state["streams"]
    send("Browser.close")
finally:
    try: proc.wait(10)
    except subprocess.TimeoutExpired: proc.kill()
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
