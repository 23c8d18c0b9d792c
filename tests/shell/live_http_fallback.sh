#!/bin/sh
# The build without npm: web/build.sh falls back to web/fallback.html and
# says why (npm missing, or npm failing), and a binary linked with that
# page says so in --version and serves it: the page, its script, the
# server-side SVG it shows, and no d3 bundle.
# Exit 0 pass, 1 fail, 2 skip (not root: the last part runs a session).
set -u
cd "$(dirname "$0")/../.." || exit 1
B=build
tmp=$(mktemp -d)
live=
trap '[ -n "$live" ] && kill -INT $live 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

XPU_WEB_NPM=0 sh web/build.sh "$tmp/off" 2>"$tmp/err" || fail "build.sh: $(cat "$tmp/err")"
grep -q 'fallback page' "$tmp/err" || fail "build.sh did not say it fell back"
grep -q 'bool web_page_full() { return false; }' "$tmp/off/web_assets.cpp" || fail "not the fallback"
grep -q '"XPU_WEB_NPM=0 at build time"' "$tmp/off/web_assets.cpp" || fail "no reason given"
# An npm that fails (no registry): the same fallback, with that reason.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "npm ERR! network" >&2\nexit 1\n' >"$tmp/bin/npm"
chmod +x "$tmp/bin/npm"
PATH="$tmp/bin:$PATH" sh web/build.sh "$tmp/fail" 2>"$tmp/err" || fail "build.sh with a failing npm"
grep -q 'npm ci failed at build time' "$tmp/fail/web_assets.cpp" || fail "reason: npm ci failed"
grep -q 'npm ERR! network' "$tmp/fail/npm.log" || fail "npm's error is not kept in npm.log"

# A binary with the fallback page: the objects of the normal build, the
# fallback assets linked before the archive (whose own are then unused).
[ -f $B/libxpuperf.a ] || fail "build first (make build/xpu-perf)"
g++ -std=c++23 -I. -Ilib -c "$tmp/off/web_assets.cpp" -o "$tmp/web_assets.o" || fail "compile"
libs=$(sed -n 's/^LDLIBS *+\{0,1\}:\{0,1\}= *//p' Makefile | tr '\n' ' ')
# shellcheck disable=SC2086
g++ $B/cmd/*.o "$tmp/web_assets.o" $B/libxpuperf.a $libs -o "$tmp/xpu-perf" 2>"$tmp/link" ||
	fail "link: $(cat "$tmp/link")"
"$tmp/xpu-perf" --version | grep -qx 'web page (live --http): fallback page only (XPU_WEB_NPM=0 at build time)' ||
	fail "--version: $("$tmp/xpu-perf" --version | tail -n 1)"

if [ "$(id -u)" != 0 ]; then
	echo "skipped: serving the fallback page loads BPF, needs root"
	exit 2
fi
"$tmp/xpu-perf" live --http 0 -i 0.3 --duration 3 -- $B/examples/cpu_split -n 100000000 \
	2>"$tmp/err" &
live=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's/^xpu-perf: serving http:\/\/127.0.0.1:\([0-9]*\)\/ .*/\1/p' "$tmp/err")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || fail "no URL: $(cat "$tmp/err")"
u=http://127.0.0.1:$port
sleep 1
curl -sf "$u/" | grep -q 'built without the d3 page' || fail "/ is not the fallback page"
curl -sf "$u/fallback.js" | grep -q "format=svg" || fail "no fallback.js"
curl -sf "$u/" | grep -q 'id="no3d">The 3D view over time needs three.js' || fail "no line on the 3D view"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$u/three.module.js")" = 404 ] || fail "three.js served"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$u/vendor.js")" = 404 ] || fail "vendor.js served"
curl -sf "$u/api/state" | grep -q '"page":{"full":false,"note":"XPU_WEB_NPM=0 at build time"}' ||
	fail "state: page"
curl -sf "$u/api/profile?format=svg" | grep -q 'burn_60' || fail "no burn_60 in the SVG"
wait $live
rc=$?
live=
[ "$rc" = 0 ] || fail "live exited $rc"
echo ok
