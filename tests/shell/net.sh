#!/bin/sh
# record --net on traffic of known size (examples/net_traffic.c): N sends
# of S bytes over loopback TCP from send_small, N sends of L bytes over a
# Unix socket from send_large, each stream read to its end by serve_tcp and
# serve_unix. The bytes under each stack and peer must be exact. The
# workload waits 200 ms first (-d): stacks taken in the first tens of ms
# after an exec, before the new image's tables are loaded, end early.
# Exit 0 pass, 1 fail, 2 skip.
. "$(dirname "$0")/lib/bpf_test.sh"

N=200 S=100 L=3000
sock="$tmp/x.sock"
if $B/xpu-perf check 2>/dev/null |
	grep -q 'net_tracepoints.*no BTF tracepoint.*sock_\(send\|recv\)_length'; then
	$B/xpu-perf check 2>/dev/null | grep net_tracepoints
	echo "SKIP: net_tracepoints: this kernel lacks the socket BTF tracepoints"
	exit 2
fi
$B/xpu-perf record --net -o "$tmp/p.folded" $B/examples/net_traffic -n $N -s $S -l $L \
	-u "$sock" -d 200 >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/out" "$tmp/err"; exit 1; }
cat "$tmp/out" "$tmp/err"
port=$(sed -n 's/^tcp_port=\([0-9]*\) .*/\1/p' "$tmp/out")
[ -n "$port" ] || { echo "no port in the workload's output"; exit 1; }

# Sum of the weights of stacks whose leaf is $1 and that hold every frame
# in $2 (';'-separated, each matched as a whole frame).
sum() {
	awk -v leaf="$1" -v need="$2" '
	{
		w = $NF; st = substr($0, 1, length($0) - length(w) - 1)
		n = split(st, f, ";")
		if (index(f[n], leaf) != 1 || length(f[n]) != length(leaf)) next
		m = split(need, want, ";")
		for (i = 1; i <= m; i++) {
			ok = 0
			for (j = 1; j < n; j++) if (f[j] == want[i]) ok = 1
			if (!ok) next
		}
		s += w
	}
	END { print s + 0 }' "$tmp/p.folded"
}
# Same, for leaves that start with $1 (a peer whose port is not known).
sum_prefix() {
	awk -v leaf="$1" -v need="$2" '
	{
		w = $NF; st = substr($0, 1, length($0) - length(w) - 1)
		n = split(st, f, ";")
		if (index(f[n], leaf) != 1) next
		m = split(need, want, ";")
		for (i = 1; i <= m; i++) {
			ok = 0
			for (j = 1; j < n; j++) if (f[j] == want[i]) ok = 1
			if (!ok) next
		}
		s += w
	}
	END { print s + 0 }' "$tmp/p.folded"
}
fail=0
expect() {  # what got want
	if [ "$2" = "$3" ]; then
		echo "ok: $1 = $2"
	else
		echo "FAIL: $1 = $2, expected $3"
		fail=1
	fi
}
grep '\[net:' "$tmp/p.folded"
expect "TCP sends under main;send_small" \
	"$(sum "[net:send]127.0.0.1:$port" "main;send_small")" $((N * S))
expect "all TCP sends to the port" "$(sum "[net:send]127.0.0.1:$port" "")" $((N * S))
expect "Unix sends under main;send_large" \
	"$(sum "[net:send]unix:$sock" "main;send_large")" $((N * L))
expect "TCP receives under serve_tcp" "$(sum_prefix "[net:recv]127.0.0.1:" "serve_tcp")" $((N * S))
expect "Unix receives under serve_unix" "$(sum "[net:recv]unix:$sock" "serve_unix")" $((N * L))
expect "receives under the sending functions" \
	"$(($(sum_prefix "[net:recv]" "send_small") + $(sum_prefix "[net:recv]" "send_large")))" 0
# Loopback rarely retransmits (a tail loss probe when the reader lags), but
# may: what it does is the client's data, under send_small's stack.
expect "retransmits outside send_small's socket" \
	"$(($(sum_prefix "[net:retransmit]" "") - $(sum "[net:retransmit]127.0.0.1:$port" "main;send_small")))" 0
# The summary counts calls: every send is one call of its whole message.
grep -q "net: $((2 * N)) sends ($((N * S + N * L)) bytes)" "$tmp/err" ||
	{ echo "FAIL: summary line"; fail=1; }
# Network stacks are judged apart (in calls: bytes are not time), and each
# of these has main at its root.
grep -q "; network stacks 100.0% rooted" "$tmp/err" ||
	{ echo "FAIL: network stacks' rooted share"; fail=1; }

# report knows the layer: its table by layer, and --layer net keeps only it.
$B/xpu-perf report --sort layer --top 0 "$tmp/p.folded" >"$tmp/layers" || exit 1
cat "$tmp/layers"
grep -q 'net:send' "$tmp/layers" && grep -q 'net:recv' "$tmp/layers" ||
	{ echo "FAIL: layer view"; fail=1; }
$B/xpu-perf report --layer net --format folded -o "$tmp/net.folded" "$tmp/p.folded" || exit 1
total=$(awk '{ s += $NF } END { print s + 0 }' "$tmp/net.folded")
expect "report --layer net total" "$total" $((2 * (N * S + N * L)))
expect "non-net stacks in --layer net" "$(grep -vc '\[net:' "$tmp/net.folded")" 0
exit $fail
