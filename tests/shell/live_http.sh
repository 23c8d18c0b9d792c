#!/bin/sh
# `live --http` end to end with curl against a real session on cpu_split:
# the endpoints (codes, content types, formats), controls changing what is
# served, the token for clients off the loopback, many event-stream
# clients, some hanging up mid-stream (the server goes on, its memory
# stays), and the end of the session (SIGTERM, whenever the checks are
# done: nothing here races a --duration) ending every stream and the server.
# Exit 0 pass, 1 fail, 2 skip (not root).
. "$(dirname "$0")/lib/bpf_test.sh"
fail() { echo "FAIL: $*"; cat "$tmp/err" 2>/dev/null; exit 1; }

# Start-up errors, before anything runs.
$B/xpu-perf live --http 0.0.0.0:0 -- true 2>"$tmp/e1"
[ $? = 1 ] || fail "non-loopback without a token: not a usage error"
grep -q -- "--http-token" "$tmp/e1" || fail "no hint at --http-token: $(cat "$tmp/e1")"
$B/xpu-perf live --http 80x -- true 2>"$tmp/e2"
[ $? = 1 ] || fail "bad port: not a usage error"

# A session on every address this machine has (the token makes that
# allowed), so that a client can come from off the loopback.
ip=$(hostname -I 2>/dev/null | awk '{print $1}')
$B/xpu-perf live --http 0.0.0.0:0 --http-token s3cret-token -i 0.3 -F 499 \
	--http-max-clients 40 -- $B/examples/cpu_split -n 100000000 2>"$tmp/err" &
live=$!
cleanup='kill -INT $live 2>/dev/null; wait $live 2>/dev/null'
port=
for _ in $(seq 100); do
	port=$(sed -n 's/^xpu-perf: serving http:\/\/0.0.0.0:\([0-9]*\)\/ .*/\1/p' "$tmp/err")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || fail "no URL"
u=http://127.0.0.1:$port

# A port in use is an environment error.
$B/xpu-perf live --http 127.0.0.1:$port -- true 2>"$tmp/e3"
[ $? = 2 ] || fail "port in use: not exit 2 ($(cat "$tmp/e3"))"

get() {  # get PATH -> "STATUS CONTENT-TYPE", body in $tmp/body
	curl -s -o "$tmp/body" -w '%{http_code} %{content_type}' "$@"
}
for _ in $(seq 50); do
	[ "$(get "$u/api/window" | cut -d' ' -f1)" = 200 ] && break
	sleep 0.1
done
r=$(get "$u/"); [ "$r" = "200 text/html; charset=utf-8" ] || fail "/: $r"
r=$(get "$u/api/window"); [ "$r" = "200 application/json" ] || fail "/api/window: $r"
r=$(get "$u/api/profile?format=folded")
[ "$r" = "200 text/plain; charset=utf-8" ] || fail "folded: $r"
grep -q ';burn_60;' "$tmp/body" || fail "no burn_60 in the folded profile"
r=$(get "$u/api/profile?format=svg&view=session"); [ "$r" = "200 image/svg+xml" ] || fail "svg: $r"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$tmp/body" ||
	fail "the SVG is not XML"
r=$(get "$u/api/profile?format=pprof"); [ "$r" = "200 application/octet-stream" ] || fail "pprof: $r"
[ "$(head -c 2 "$tmp/body" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "pprof is not gzip"
r=$(get "$u/api/profile?format=dot"); [ "$r" = "400 text/plain; charset=utf-8" ] || fail "dot: $r"
grep -qx "format: 'dot' is not folded, svg or pprof" "$tmp/body" || fail "400 message: $(cat "$tmp/body")"
r=$(get "$u/nowhere"); [ "${r%% *}" = 404 ] || fail "404: $r"
r=$(get "$u/api/pause"); [ "${r%% *}" = 405 ] || fail "GET on a control: $r"

# Controls from the loopback (no token needed), as a script would: the
# served profile follows.
r=$(get -d 'regex=burn_30&view=session' "$u/api/control"); [ "${r%% *}" = 200 ] || fail "control: $r"
curl -s "$u/api/profile?format=folded" >"$tmp/f30"
grep -q ';burn_30;' "$tmp/f30" || fail "filtered: no burn_30"
! grep -q ';burn_60;' "$tmp/f30" || fail "filtered: burn_60 left in"
r=$(get -d 'regex=(' "$u/api/control"); [ "${r%% *}" = 400 ] || fail "bad regex: $r"
# The interval is the page's to change: the next windows are shorter.
r=$(get -d 'interval=0.1' "$u/api/control"); [ "${r%% *}" = 200 ] || fail "interval: $r"
short() {
	curl -s "$u/api/window" | python3 -c '
import json, sys
w = json.load(sys.stdin)
assert w["controls"]["interval"] == 0.1, w["controls"]
assert w["end"] - w["start"] < 0.2, w["end"] - w["start"]' 2>/dev/null
}
for _ in $(seq 300); do short && break; sleep 0.1; done  # hang guard 30 s
short || fail "windows did not shorten"
r=$(get -d 'interval=0.3' "$u/api/control"); [ "${r%% *}" = 200 ] || fail "interval: $r"
r=$(get -d 'regex=&view=current' "$u/api/control"); [ "${r%% *}" = 200 ] || fail "clear: $r"

# Off the loopback: reading yes, controls only with the token.
if [ -n "$ip" ] && [ "${ip#127.}" = "$ip" ]; then
	v=http://$ip:$port
	r=$(get "$v/api/window"); [ "${r%% *}" = 200 ] || fail "remote read: $r"
	r=$(get -d '' "$v/api/pause"); [ "${r%% *}" = 403 ] || fail "remote pause without token: $r"
	r=$(get -d '' "$v/api/pause?token=nope-nope-nope"); [ "${r%% *}" = 403 ] || fail "bad token: $r"
	r=$(get -d '' -H 'Authorization: Bearer s3cret-token' "$v/api/pause")
	[ "${r%% *}" = 200 ] || fail "remote pause with token: $r"
	grep -q '"paused":true' "$tmp/body" || fail "not paused"
	r=$(get -d '' "$v/api/resume?token=s3cret-token"); [ "${r%% *}" = 200 ] || fail "resume: $r"
else
	echo "note: no non-loopback address; token checks left to the Catch2 tests"
fi

# 30 stream clients: 15 stay to the end, 15 hang up after a second, and
# 15 more come and hang up in the middle of a read.
rss() { awk '/^VmRSS/ {print $2}' /proc/$live/status; }
rss0=$(rss)
i=0
while [ $i -lt 15 ]; do
	curl -s -N "$u/api/events" >"$tmp/stay$i" 2>/dev/null &
	timeout 1 curl -s -N "$u/api/events" >/dev/null 2>&1 &
	i=$((i + 1))
done
sleep 1.5
i=0
while [ $i -lt 15 ]; do
	timeout 0.$((i % 9 + 1)) curl -s -N "$u/api/events" >/dev/null 2>&1 &
	i=$((i + 1))
done
sleep 1.5
r=$(get "$u/api/state"); [ "${r%% *}" = 200 ] || fail "server gone with 30 clients: $r"
rss1=$(rss)
echo "xpu-perf RSS: $rss0 kB before the clients, $rss1 kB with them"
[ $((rss1 - rss0)) -lt 20000 ] || fail "RSS grew by $((rss1 - rss0)) kB"

# Each staying stream has seen windows before the session ends.
for _ in $(seq 300); do
	[ "$(grep -c '^event: window$' "$tmp/stay14")" -ge 2 ] && break
	sleep 0.1
done
# SIGTERM ends the session: every stream gets "end" and closes, and
# xpu-perf exits 128+15 (the curls above return by themselves).
kill -TERM $live
wait $live
rc=$?
cleanup=:
[ "$rc" = 143 ] || fail "live exited $rc, not 143"
wait
n=0
for f in "$tmp"/stay*; do
	grep -q '^event: end$' "$f" && n=$((n + 1))
	grep -q '^data: {"reason":"SIGTERM"}$' "$f" || fail "no end event in $f"
done
[ "$n" = 15 ] || fail "$n of 15 streams saw the end"
for f in "$tmp"/stay*; do
	w=$(grep -c '^event: window$' "$f")
	[ "$w" -ge 2 ] || fail "only $w windows streamed to $f"
done
curl -s -m 2 "$u/" >/dev/null && fail "still serving after the session ended"
echo ok
