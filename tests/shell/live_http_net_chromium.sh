#!/bin/sh
# The live page's network layer, in a real browser: `live --http --net` on
# net_traffic's request/response loop. Once a window has network bytes the
# page shows a "network" layer toggle; with only that layer on, the flame
# graph holds the [net:send] and [net:recv] frames under the loop's
# functions and no time; with it off, no network frame is drawn. The window
# event carries the bytes apart from the time split.
# Exit 0 pass, 1 fail, 2 skip (not root, no chromium, no net tracepoints).
. "$(dirname "$0")/lib/bpf_test.sh"
. "$(dirname "$0")/lib/live_http.sh"
if ! $B/xpu-perf check 2>/dev/null | grep -q '^ok  *net_tracepoints'; then
	echo "SKIP: net_tracepoints: this kernel lacks the socket BTF tracepoints"
	exit 2
fi

start_live_http --net -i 0.5 -F 199 --duration 60 -- $B/examples/net_traffic -b 100000000 -q 256 >/dev/null

timeout 120 python3 - "$CHROMIUM" "$url" "$tmp" <<'PY' || { cat "$tmp/err"; exit 1; }
import json, sys, urllib.request
sys.path.insert(0, "tests/shell/lib")
from cdp import Page

chromium, url, tmp = sys.argv[1:4]
page = Page(chromium, tmp)
try:
    page.open(url)
    page.wait_for("!document.getElementById('layer-net').hidden", "the network toggle")
    # Only the network layer: net frames, under the request loop.
    page.js("""for (const b of document.querySelectorAll('input[name=layer]'))
                   b.checked = b.value === 'net';
               document.getElementById('apply').click()""")
    page.wait_for("document.querySelectorAll('#flame g[name^=\"[net:send]\"]').length > 0 && "
                  "document.querySelectorAll('#flame g[name^=\"[off-cpu:\"]').length == 0",
                  "a flame graph of network frames only")
    names = set(page.frames())
    print("net-only frames:", sorted(n for n in names if n.startswith("[net:")))
    assert any(n.startswith("[net:recv]") for n in names), names
    assert "request_loop" in names and "serve_requests" in names, sorted(names)[:40]
    # Network off, the rest on: no network frame.
    page.js("""for (const b of document.querySelectorAll('input[name=layer]'))
                   b.checked = b.value !== 'net';
               document.getElementById('apply').click()""")
    page.wait_for("document.querySelectorAll('#flame g[name^=\"[net:\"]').length == 0 && "
                  "document.querySelectorAll('#flame g').length > 3", "a flame graph without network frames")
    ev = json.loads(urllib.request.urlopen(url + "api/window").read())
    print("split:", ev["split"])
    assert ev["split"]["net"] > 0 and ev["split"]["total"] >= ev["split"]["net"], ev["split"]
finally:
    page.close()
print("ok")
PY
