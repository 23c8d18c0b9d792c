#!/bin/sh
# record --net counts TCP retransmits under the stack that sent the data.
# Loopback does not lose packets, and this kernel has no netem: the test
# makes its own loss, in a network namespace of its own, with a generic XDP
# program on lo that drops one data packet in five
# (tests/fixtures/net_drop.bpf.c). Every retransmitted segment is then the
# client's (send_small's): the server sends nothing on TCP.
# The workload waits 200 ms before its traffic: sends in the first tens of
# ms after an exec, before the new image's tables are loaded, get stacks
# that end early (a start-up cost of its own, not what this test is about),
# and their retransmits would go under those.
# Exit 0 pass, 1 fail, 2 skip.
. "$(dirname "$0")/lib/bpf_test.sh"

N=300 S=1000
skip() { echo "SKIP: net_retransmit: $1"; exit 2; }
$B/xpu-perf check 2>/dev/null | grep -q 'no BTF tracepoint.*tcp_retransmit_skb' &&
	skip "no BTF tracepoint tcp_retransmit_skb in this kernel"
command -v clang >/dev/null || skip "no clang to build the XDP dropper"
command -v unshare >/dev/null && command -v ip >/dev/null || skip "no unshare or ip(8)"
multiarch=$(gcc -print-multiarch 2>/dev/null)
clang -O2 -g -target bpf -mcpu=v3 ${multiarch:+-idirafter /usr/include/$multiarch} \
	-c tests/fixtures/net_drop.bpf.c -o "$tmp/drop.o" 2>"$tmp/cc.err" ||
	{ cat "$tmp/cc.err"; skip "cannot build the XDP dropper"; }
unshare -n sh -c "ip link set lo up && ip link set dev lo xdpgeneric obj $tmp/drop.o sec xdp" \
	2>"$tmp/xdp.err" ||
	{ cat "$tmp/xdp.err"; skip "cannot attach generic XDP to lo in a new network namespace"; }

unshare -n sh -c "ip link set lo up && ip link set dev lo xdpgeneric obj $tmp/drop.o sec xdp &&
	$B/xpu-perf record --net --no-off-cpu -o $tmp/p.folded $B/examples/net_traffic \
		-n $N -s $S -l 100 -u $tmp/x.sock -d 200" >"$tmp/out" 2>"$tmp/err" ||
	{ cat "$tmp/out" "$tmp/err"; exit 1; }
cat "$tmp/out" "$tmp/err"
port=$(sed -n 's/^tcp_port=\([0-9]*\) .*/\1/p' "$tmp/out")
[ -n "$port" ] || { echo "no port in the workload's output"; exit 1; }
grep '\[net:' "$tmp/p.folded"

# Retransmitted bytes: all of them, those to the server's port under
# main;send_small, and the summary's.
all=$(awk '/;\[net:retransmit\][^;]* [0-9]+$/ { s += $NF } END { print s + 0 }' "$tmp/p.folded")
ours=$(awk -v leaf="[net:retransmit]127.0.0.1:$port" '
	{ n = split($0, f, ";"); split(f[n], last, " ")
	  if (last[1] == leaf && index($0, ";main;send_small;")) s += $NF }
	END { print s + 0 }' "$tmp/p.folded")
summary=$(sed -n 's/.* TCP retransmits (\([0-9]*\) bytes).*/\1/p' "$tmp/err")
segs=$(sed -n 's/.* \([0-9]*\) TCP retransmits.*/\1/p' "$tmp/err")
echo "retransmitted bytes: all $all, under send_small to :$port $ours, summary $summary ($segs)"
fail=0
[ "$all" -gt 0 ] || { echo "FAIL: no retransmits counted"; fail=1; }
[ "$ours" = "$all" ] || { echo "FAIL: retransmits outside send_small's stack and peer"; fail=1; }
[ "$summary" = "$all" ] || { echo "FAIL: summary bytes differ from the profile's"; fail=1; }
# The data itself arrived once, whole, and was counted once.
grep -q "received tcp=$((N * S)) " "$tmp/out" || { echo "FAIL: workload"; fail=1; }
sends=$(awk -v leaf="[net:send]127.0.0.1:$port" '
	{ n = split($0, f, ";"); split(f[n], last, " "); if (last[1] == leaf) s += $NF }
	END { print s + 0 }' "$tmp/p.folded")
[ "$sends" = $((N * S)) ] || { echo "FAIL: sends $sends, expected $((N * S))"; fail=1; }
exit $fail
