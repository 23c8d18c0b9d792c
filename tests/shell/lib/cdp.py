"""A small Chrome DevTools Protocol client for the live page's browser
tests: headless Chromium with --remote-debugging-pipe (JSON messages ended
by NUL on file descriptors 3 and 4), so no websocket package is needed.

    page = Page(chromium, tmp)          # starts Chromium, opens nothing
    page.open(url)
    page.wait_for("expr", "what")       # polls a JavaScript expression
    page.js("expr"); page.frames(); page.shot("x.png"); page.type("text")
    page.close()
"""
import base64
import fcntl
import json
import os
import select
import subprocess
import time


def _high(fd):  # out of the way of 3 and 4, where Chromium wants its pipes
    n = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return n


class Page:
    # flags: more Chromium switches (e.g. --disable-3d-apis for a page without WebGL)
    def __init__(self, chromium, tmp, width=1400, height=900, flags=()):
        self.tmp = tmp
        cmd_r, self.cmd_w = map(_high, os.pipe())
        self.res_r, res_w = map(_high, os.pipe())

        def child():
            os.dup2(cmd_r, 3)
            os.dup2(res_w, 4)
        log = open(os.path.join(tmp, "chromium.log"), "a")
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--remote-debugging-pipe", f"--window-size={width},{height}",
             "--user-data-dir=" + os.path.join(tmp, "chromium-profile"), *flags, "about:blank"],
            preexec_fn=child, close_fds=False, stdout=log, stderr=log)
        os.close(cmd_r)
        os.close(res_w)
        self.buf, self.next_id, self.session = b"", 0, None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + 30
        while True:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                m = json.loads(raw)
                if m.get("id") == self.next_id:
                    if "error" in m:
                        raise RuntimeError(f"{method}: {m['error']}")
                    return m["result"]
            r, _, _ = select.select([self.res_r], [], [], max(0, deadline - time.time()))
            if not r:
                raise RuntimeError(f"{method}: no answer from chromium")
            chunk = os.read(self.res_r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk

    def open(self, url):
        target = self.send("Target.createTarget", {"url": url}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]

    def js(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expr, what, timeout=20):
        end = time.time() + timeout
        while time.time() < end:  # false while the page is still loading
            v = self.js(f"(() => {{ try {{ return ({expr}); }} catch (e) {{ return false; }} }})()")
            if v:
                return v
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")

    def frames(self):
        """The flame graph's frames: name -> width in pixels (summed)."""
        return self.js("""(() => { const out = {};
            for (const g of document.querySelectorAll('#flame g[name]')) {
                const r = g.querySelector('rect');
                out[g.getAttribute('name')] = (out[g.getAttribute('name')] || 0) +
                    (r ? r.getBoundingClientRect().width : 0); }
            return out; })()""")

    def fills(self):
        """The flame graph's frames: name -> fill colour."""
        return self.js("""(() => { const out = {};
            for (const g of document.querySelectorAll('#flame g[name]')) {
                const r = g.querySelector('rect');
                if (r) out[g.getAttribute('name')] = r.getAttribute('fill'); }
            return out; })()""")

    def type(self, text):
        """Keystrokes into the focused element."""
        for ch in text:
            self.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": ch, "text": ch})
            self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": ch})

    def mouse(self, kind, x, y, buttons=0):
        """A real mouse event at page pixels: kind is moved, pressed or released."""
        ev = {"type": "mouse" + kind.capitalize(), "x": x, "y": y}
        if kind != "moved" or buttons:
            ev.update(button="left", buttons=1, clickCount=1 if kind != "moved" else 0)
        self.send("Input.dispatchMouseEvent", ev)

    def enter(self):
        key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
        self.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": "\r", **key})
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", **key})

    def shot(self, name):
        data = base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])
        path = os.path.join(self.tmp, name)
        open(path, "wb").write(data)
        return path, data

    def close(self):
        try:
            self.send("Browser.close", session=False)
            self.proc.wait(10)
        except Exception:
            self.proc.kill()
