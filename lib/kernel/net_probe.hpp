// Which BTF tracepoints of socket and TCP I/O this kernel has. The network
// layer attaches only to those (a tp_btf program for a missing one fails
// the whole load), and says what it cannot count without the others.
#pragma once

#include <string>
#include <vector>

namespace xpu {

struct NetTracepoints {
	bool send = false;        // sock_send_length (Linux 6.3): bytes sent per call
	bool recv = false;        // sock_recv_length (Linux 6.3): bytes received per call
	bool retransmit = false;  // tcp_retransmit_skb: TCP segments sent again
	bool destroy = false;     // tcp_destroy_sock: forgets a closed socket's sender

	bool any_io() const { return send || recv; }
	// "sock_recv_length (received bytes)", ... for each one that is missing.
	std::vector<std::string> missing() const;
};

// From the kernel's BTF (btf_trace_<name> typedefs); all false without BTF.
NetTracepoints probe_net_tracepoints();

}  // namespace xpu
