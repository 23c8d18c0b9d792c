#include "kernel/net_tracer.hpp"

#include <algorithm>
#include <cstring>

#include "kernel/bpf_thread.hpp"
#include "bpf/net.h"
#include "xpu.skel.h"

namespace xpu {

namespace {

Event event_of(const xpu_net_key &k, const xpu_net_value &v)
{
	NetAttrs a;
	a.dir = static_cast<NetDir>(k.dir);
	uint32_t len = std::min<uint32_t>(k.addr_len, sizeof(k.addr));
	a.peer = format_peer({.family = k.family, .protocol = k.protocol, .port = k.port,
			      .addr = std::span<const uint8_t>(k.addr, len)});
	return net_event(thread_stacks_of(k), std::move(a), v.bytes, v.count);
}

}  // namespace

NetTracer::NetTracer(BpfSession &bpf) : bpf_(bpf) {}
NetTracer::~NetTracer() { links_.clear(); }

Result<void> NetTracer::start()
{
	auto &s = bpf_.skel();
	const BpfOptions &o = bpf_.options();
	std::vector<bpf_program *> progs;
	if (o.net_send)
		progs.push_back(s.progs.on_sock_send);
	if (o.net_recv)
		progs.push_back(s.progs.on_sock_recv);
	if (o.net_retransmit)
		progs.push_back(s.progs.on_retransmit);
	if (o.net_destroy)
		progs.push_back(s.progs.on_tcp_destroy);
	for (bpf_program *prog : progs) {
		Link link(bpf_program__attach(prog));
		if (!link)
			return sys_fail(ExitCode::environment, errno, "attach {} (--net)",
					bpf_program__name(prog));
		links_.push_back(std::move(link));
	}
	return {};
}

void NetTracer::stop() { links_.clear(); }

Result<void> NetTracer::read_events(std::vector<Event> &out, bool take) const
{
	std::vector<xpu_net_key> keys;
	std::vector<xpu_net_value> values;
	int fd = bpf_map__fd(bpf_.skel().maps.net_counts);
	if (int err = take ? take_all_entries(fd, keys, values) : read_all_entries(fd, keys, values))
		return sys_fail(ExitCode::internal, err, "read network counts");
	out.reserve(out.size() + keys.size());
	for (size_t i = 0; i < keys.size(); i++)
		out.push_back(event_of(keys[i], values[i]));
	return {};
}

}  // namespace xpu
