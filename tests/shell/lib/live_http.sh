# Sourced, after bpf_test.sh, by the tests that drive the live page in a
# browser: finds Chromium (exit 2, a skip, without one) and starts a live
# session to test.
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
	echo "skipped: no chromium (make deps installs it)"
	exit 2
fi

# start_live_http ARG...: `xpu-perf live --http 127.0.0.1:0 ARG...` in the
# background, its log in $tmp/err, stopped with Ctrl-C when the test ends;
# sets $url to the page's address, or fails the test without one.
start_live_http() {
	$B/xpu-perf live --http 127.0.0.1:0 "$@" 2>"$tmp/err" &
	live=$!
	cleanup='kill -INT $live 2>/dev/null; wait $live 2>/dev/null'
	url=
	for _ in $(seq 100); do
		url=$(sed -n 's/^xpu-perf: serving \(http[^ ]*\) .*/\1/p' "$tmp/err")
		[ -n "$url" ] && break
		sleep 0.1
	done
	[ -n "$url" ] || { cat "$tmp/err" >&2; echo "FAIL: no URL" >&2; exit 1; }
}
