#!/bin/sh
# The live page's GPU layer in a real browser: the Catch2 binary serves
# tests/fixtures/http/window.folded (GPU kernel and memcpy frames under
# their launching CPU stacks, as the GPU source writes them) as a live
# session would, and headless Chromium (tests/shell/lib/cdp.py) checks the
# split chart (GPU 25% of the window), the GPU frames' colour (2D and 3D), the top
# table, and the layer checkboxes (GPU alone). Needs no root.
# Exit 0 pass, 1 fail, 2 skip (no chromium).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
	echo "skipped: no chromium (make deps installs it)"
	exit 2
fi
tmp=$(mktemp -d)
XPU_SERVE_SECONDS=60 $B/xpu-perf-tests "[.serve]" >"$tmp/out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$tmp"' EXIT
url=
for _ in $(seq 100); do
	url=$(sed -n 's/^serving \(http[^ ]*\)$/\1/p' "$tmp/out")
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { cat "$tmp/out"; echo "FAIL: the fixture server did not start"; exit 1; }

timeout 120 python3 - "$CHROMIUM" "$url" "$tmp" <<'PY' || exit 1
import sys, time
sys.path.insert(0, "tests/shell/lib")
from cdp import Page

chromium, url, tmp = sys.argv[1:4]
page = Page(chromium, tmp)
try:
    page.open(url)
    page.wait_for("document.body.dataset.window >= 2 && "
                  "document.querySelectorAll('#flame g[name]').length > 0", "the flame graph")
    time.sleep(0.4)
    legend = page.js("document.getElementById('split-legend').textContent")
    print("legend:", legend)
    assert "GPU 25.0%" in legend and "CPU 62.5%" in legend and "off-CPU 12.5%" in legend, legend
    fills = page.fills()
    print("fills:", {k: v for k, v in fills.items() if k.startswith("[")})
    assert fills["[GPU_Kernel]gemm"] == "#3cb371" and fills["[GPU_Memcpy]HtoD"] == "#3cb371", fills
    assert fills["[off-cpu:S]"] == "#4a90d9", fills
    assert page.js("document.querySelector('#split path.layer-gpu').getAttribute('d').length > 10")
    top = page.js("document.querySelector('#top tbody').textContent")
    assert "[GPU_Kernel]gemm" in top, top
    # The 3D view colours its blocks the same way (WebGL through SwiftShader).
    page.js("document.getElementById('show-3d').click()")
    if page.wait_for("document.body.dataset.view3d", "the 3D view") == "webgl":
        page.wait_for("+document.body.dataset.blocks3d > 0", "blocks in 3D")
        colors = page.js("""(() => { const c = new view3d.T.Color(), out = {};
            view3d.blocks.forEach((b, i) => { view3d.mesh.getColorAt(i, c); out[b.name] = '#' + c.getHexString(); });
            return out; })()""")
        print("3D colours:", {k: v for k, v in colors.items() if k.startswith("[")})
        assert colors["[GPU_Kernel]gemm"] == "#3cb371" and colors["[off-cpu:S]"] == "#4a90d9", colors
    else:
        print("SKIP: 3D colours:", page.js("document.getElementById('note3d').textContent"))
    page.js("document.getElementById('show-2d').click()")
    # GPU alone: untick CPU and off-CPU.
    for layer in ("cpu", "offcpu"):
        page.js(f"document.querySelector('input[name=layer][value={layer}]').click()")
    page.wait_for("document.querySelectorAll('#flame g[name=\"spin\"]').length == 0", "GPU only")
    time.sleep(0.4)
    names = sorted(page.frames())
    print("GPU layer frames:", names)
    assert "[GPU_Kernel]gemm" in names and "[off-cpu:S]" not in names and "tool-200" not in names
    title = page.js("document.getElementById('flame-title').textContent")
    assert title.endswith(": 4 samples"), title
    page.shot("gpu.png")
finally:
    page.close()
print("ok")
PY
echo ok
