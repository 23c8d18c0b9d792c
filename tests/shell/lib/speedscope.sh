# speedscope's npm package (its release build and its file-format schema),
# fetched with `npm pack` into $B/speedscope once and reused.
# speedscope_release sets SPEEDSCOPE to the release folder
# ($B/speedscope/package/dist/release: index.html, file-format-schema.json),
# or says why not and exits 2 (skip).
speedscope_release() {
	SPEEDSCOPE=$B/speedscope/package/dist/release
	[ -r "$SPEEDSCOPE/index.html" ] && [ -r "$SPEEDSCOPE/file-format-schema.json" ] && return 0
	tgz=
	for t in "$B"/speedscope/speedscope-*.tgz; do [ -r "$t" ] && tgz=$t; done
	if [ -z "$tgz" ]; then
		if ! command -v npm >/dev/null; then
			echo "skipped: no npm to fetch speedscope"
			exit 2
		fi
		mkdir -p "$B/speedscope"
		if ! (cd "$B/speedscope" && timeout 120 npm pack --silent speedscope >pack.log 2>&1); then
			echo "skipped: npm pack speedscope failed (no network?): $(tail -n 1 "$B/speedscope/pack.log")"
			exit 2
		fi
		for t in "$B"/speedscope/speedscope-*.tgz; do [ -r "$t" ] && tgz=$t; done
	fi
	# An older build/speedscope may hold the schema alone: take the whole release.
	tar xzf "$tgz" -C "$B/speedscope" package/dist/release || {
		echo "FAIL: $tgz has no package/dist/release"
		exit 1
	}
}
