#!/bin/sh
# The report flame graphs in a real browser: headless Chromium loads the SVG,
# runs its script (data-ready), zooms and searches from the URL fragment
# (#z=FRAME&s=REGEX), and the screenshot shows the colour families (user
# warm, off-CPU blue, GPU green; red and blue in a differential graph).
# Exit 0 pass, 1 fail, 2 skip (no chromium: `make deps` installs it, for
# the live --http browser tests too).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
	echo "skipped: no chromium (make deps installs it)"
	exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

browser() {  # browser OUT_FILE ARGS... (Chromium's own noise to a log)
	out=$1; shift
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		"$@" >"$out" 2>>"$tmp/chromium.log"
}

$B/xpu-perf report --svg "$tmp/g.svg" tests/fixtures/report/mixed.folded 2>"$tmp/err" ||
	fail "report --svg: $(cat "$tmp/err")"

# Loaded as is: the script ran over all 33 frames, nothing zoomed.
browser "$tmp/dom" --dump-dom "file://$tmp/g.svg" || fail "chromium --dump-dom failed"
grep -q 'data-ready="33"' "$tmp/dom" || fail "the script did not run (no data-ready=33)"
[ "$(grep -c '<g class="f"' "$tmp/dom")" = 33 ] || fail "not 33 frames in the DOM"
grep -q 'id="unzoom" class="ctl hide"' "$tmp/dom" || fail "Reset Zoom shown without a zoom"

# Zoomed into 'handle' and searched for 'parse'.
browser "$tmp/zdom" --dump-dom "file://$tmp/g.svg#z=handle&s=parse" || fail "chromium failed"
grep -q 'id="unzoom" class="ctl"' "$tmp/zdom" || fail "zoom did not show Reset Zoom"
grep -q '>Matched: 42.50%<' "$tmp/zdom" || fail "search share is not 42.50% (17 of 40)"
grep -q '>Search: /parse/<' "$tmp/zdom" || fail "search term not shown"
grep -q '<title>handle (22 samples, 55.00%)</title><rect x="10.00" y="[0-9]*" width="1180.00"' \
	"$tmp/zdom" || fail "the zoomed frame does not fill the width"
[ "$(grep -c 'fill="rgb(230,0,230)"' "$tmp/zdom")" = 2 ] || fail "not 2 parse frames highlighted"
grep -q '<g class="f hide"[^>]*><title>worker-300' "$tmp/zdom" || fail "frames outside the zoom not hidden"

# Pixels: the colour families are on screen.
browser /dev/null --screenshot="$tmp/g.png" --window-size=1200,230 "file://$tmp/g.svg" ||
	fail "chromium --screenshot failed"
$B/xpu-perf report --diff --svg "$tmp/d.svg" tests/fixtures/report/base.folded \
	tests/fixtures/report/new.folded 2>"$tmp/err" || fail "report --diff --svg: $(cat "$tmp/err")"
browser /dev/null --screenshot="$tmp/d.png" --window-size=1200,200 "file://$tmp/d.svg" ||
	fail "chromium --screenshot failed"
python3 - "$tmp/g.png" "$tmp/d.png" <<'PY' || fail "screenshot colours"
import struct, sys, zlib

def pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, out, i = zlib.decompress(idat), w * bpp, None, [], 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        prev = prev or bytearray(stride)
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            p = a + b - c
            pred = [0, a, b, (a + b) // 2,
                    a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c)
                    else b if abs(p - b) <= abs(p - c) else c][f]
            line[x] = (line[x] + pred) & 255
        out.extend(tuple(line[x:x + 3]) for x in range(0, stride, bpp))
        prev = line
    return out

def count(px, test):
    return sum(1 for p in px if test(*p))

g = pixels(sys.argv[1])
warm = count(g, lambda r, gr, b: r >= 205 and 60 <= gr <= 220 and b <= 25)
blue = count(g, lambda r, gr, b: 50 <= r <= 100 and 100 <= gr <= 160 and b >= 205)
green = count(g, lambda r, gr, b: 40 <= r <= 90 and gr >= 185 and 100 <= b <= 180)
print("flame graph pixels: warm", warm, "off-cpu blue", blue, "gpu green", green)
assert warm > 5000 and blue > 1000 and green > 1000
d = pixels(sys.argv[2])
red = count(d, lambda r, gr, b: r == 255 and gr == b and gr < 120)
dblue = count(d, lambda r, gr, b: b == 255 and r == gr and r < 120)
print("diff pixels: red", red, "blue", dblue)
assert red > 1000 and dblue > 1000
PY
echo "ok"
