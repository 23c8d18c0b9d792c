// The network source: bpf/net.bpf.c on the socket and TCP BTF tracepoints
// this kernel has adds up, in the kernel, the bytes each target stack sends
// and receives per peer, and the TCP bytes retransmitted; read back at the
// end (record) or per window (top, live).
#pragma once

#include <vector>

#include "kernel/bpf_session.hpp"
#include "kernel/bpf_util.hpp"
#include "base/error.hpp"
#include "profile/event.hpp"

namespace xpu {

class NetTracer {
public:
	explicit NetTracer(BpfSession &bpf);
	~NetTracer();

	// Attaches the programs the session loaded (BpfOptions::net_*).
	Result<void> start();
	void stop();
	// As CpuSampler::read_events: bytes and calls per (thread, stack,
	// direction, peer).
	Result<void> read_events(std::vector<Event> &out, bool take = false) const;

private:
	BpfSession &bpf_;
	std::vector<Link> links_;
};

}  // namespace xpu
