#!/bin/sh
# record --net attributes a Python program's socket bytes to its Python
# frames (the same walker as samples): N sendall() calls of SIZE bytes from
# send_py_messages() must weigh N*SIZE under that frame, and the bytes
# read by serve() the same. Exit 0 pass, 1 fail, 2 skip.
. "$(dirname "$0")/lib/bpf_test.sh"

N=150 SIZE=700
py=/usr/bin/python3.11  # the interpreter tests/shell/python_frames.sh knows
[ -x "$py" ] || { echo "SKIP: net_python: no $py"; exit 2; }
$B/xpu-perf record --net --no-off-cpu -o "$tmp/p.folded" "$py" \
	tests/fixtures/python/net_client.py $N $SIZE >"$tmp/out" 2>"$tmp/err" ||
	{ cat "$tmp/out" "$tmp/err"; exit 1; }
cat "$tmp/out" "$tmp/err"
port=$(sed -n 's/^tcp_port=\([0-9]*\)$/\1/p' "$tmp/out")
[ -n "$port" ] || { echo "no port in the workload's output"; exit 1; }
grep '\[net:' "$tmp/p.folded"
# Weight of the stacks ending in a leaf that starts with $1, through a frame
# that starts with $2.
sum() {
	awk -v leaf="$1" -v via="$2" '
	{
		w = $NF; n = split(substr($0, 1, length($0) - length(w) - 1), f, ";")
		if (index(f[n], leaf) != 1) next
		for (j = 1; j < n; j++) if (index(f[j], via) == 1) { s += w; next }
	}
	END { print s + 0 }' "$tmp/p.folded"
}
fail=0
sent=$(sum "[net:send]127.0.0.1:$port" "send_py_messages (net_client.py:")
got=$(sum "[net:recv]127.0.0.1:" "serve (net_client.py:")
echo "sent under send_py_messages: $sent, received under serve: $got, expected $((N * SIZE))"
[ "$sent" = $((N * SIZE)) ] || fail=1
[ "$got" = $((N * SIZE)) ] || fail=1
exit $fail
