#include "kernel/net_probe.hpp"

#include <bpf/btf.h>

namespace xpu {

std::vector<std::string> NetTracepoints::missing() const
{
	std::vector<std::string> out;
	if (!send)
		out.emplace_back("sock_send_length (bytes sent)");
	if (!recv)
		out.emplace_back("sock_recv_length (bytes received)");
	if (!retransmit)
		out.emplace_back("tcp_retransmit_skb (retransmits)");
	return out;
}

NetTracepoints probe_net_tracepoints()
{
	NetTracepoints t;
	btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return t;
	auto has = [&](const char *tp) {
		return btf__find_by_name_kind(vmlinux, tp, BTF_KIND_TYPEDEF) >= 0;
	};
	t.send = has("btf_trace_sock_send_length");
	t.recv = has("btf_trace_sock_recv_length");
	t.retransmit = has("btf_trace_tcp_retransmit_skb");
	t.destroy = has("btf_trace_tcp_destroy_sock");
	btf__free(vmlinux);
	return t;
}

}  // namespace xpu
