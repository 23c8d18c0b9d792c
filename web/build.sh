#!/bin/sh
# Builds the live --http page into OUT/web_assets.cpp (web/embed.py):
# d3 and d3-flame-graph from npm (`npm ci` from web/package-lock.json into
# OUT/npm), bundled by concatenating their dist files into vendor.js and
# vendor.css beside web/index.html, app.js and style.css. three.js (the 3D
# view) ships only ES modules: its two build files are served as they are
# (three.module.js imports ./three.core.js) and app.js imports them on the
# first switch to the 3D view, so the 2D page never loads them. Where npm is
# missing or fails (no registry), the build goes on with web/fallback.html
# and says so here, in `xpu-perf --version` and on the page.
# npm runs again only when web/package*.json change.
#   web/build.sh OUT          XPU_WEB_NPM=0 forces the fallback page
set -u
src=$(dirname "$0")
out=$1
mkdir -p "$out"
full=0
if [ "${XPU_WEB_NPM:-1}" = 0 ]; then
	why="XPU_WEB_NPM=0 at build time"
elif [ -s "$out/vendor.js" ] && [ -s "$out/vendor.note" ] && [ -s "$out/three.module.js" ] &&
	[ "$out/vendor.js" -nt "$src/package.json" ] && [ "$out/vendor.js" -nt "$src/package-lock.json" ]; then
	# Only the page's own files changed: the bundle is still good.
	full=1
	why=$(cat "$out/vendor.note")
elif ! command -v npm >/dev/null 2>&1; then
	why="npm was not found at build time"
else
	mkdir -p "$out/npm"
	cp "$src/package.json" "$src/package-lock.json" "$out/npm/"
	if (cd "$out/npm" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) \
		>"$out/npm.log" 2>&1; then
		nm=$out/npm/node_modules
		{ cat "$nm/d3/dist/d3.min.js"; echo; cat "$nm/d3-flame-graph/dist/d3-flamegraph.min.js"; } \
			>"$out/vendor.js" &&
		cp "$nm/d3-flame-graph/dist/d3-flamegraph.css" "$out/vendor.css" &&
		cp "$nm/three/build/three.core.js" "$nm/three/build/three.module.js" "$out/" && full=1
		v() { sed -n 's/^  "version": "\(.*\)",$/\1/p' "$nm/$1/package.json"; }
		why="d3 $(v d3), d3-flame-graph $(v d3-flame-graph), three $(v three) from npm"
		echo "$why" >"$out/vendor.note"
	else
		why="npm ci failed at build time (see $out/npm.log)"
	fi
fi
if [ "$full" = 1 ]; then
	python3 "$src/embed.py" "$out/web_assets.cpp" 1 "$why" "/=$src/index.html" \
		"/app.js=$src/app.js" "/style.css=$src/style.css" \
		"/vendor.js=$out/vendor.js" "/vendor.css=$out/vendor.css" "/flame3d.js=$src/flame3d.js" \
		"/timeline.js=$src/timeline.js" \
		"/three.module.js=$out/three.module.js" "/three.core.js=$out/three.core.js"
else
	echo "web: no d3 page ($why): the binary serves the fallback page" >&2
	python3 "$src/embed.py" "$out/web_assets.cpp" 0 "$why" "/=$src/fallback.html" \
		"/fallback.js=$src/fallback.js" "/style.css=$src/style.css"
fi
