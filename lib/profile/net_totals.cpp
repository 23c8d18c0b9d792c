#include "profile/net_totals.hpp"

#include <set>

#include <fmt/format.h>

namespace xpu {

NetTotals net_totals(const std::vector<Event> &events)
{
	NetTotals t;
	std::set<std::string> peers;
	for (const Event &e : events) {
		if (e.kind != EventKind::net_io)
			continue;
		const NetAttrs &n = e.net();
		peers.insert(n.peer);
		switch (n.dir) {
		case NetDir::send:
			t.sends += e.count;
			t.sent_bytes += e.weight;
			break;
		case NetDir::recv:
			t.recvs += e.count;
			t.received_bytes += e.weight;
			break;
		case NetDir::retransmit:
			t.retransmits += e.count;
			t.retransmitted_bytes += e.weight;
			break;
		}
	}
	t.peers = peers.size();
	return t;
}

std::string format_net_totals(const NetTotals &t)
{
	return fmt::format("  net: {} sends ({} bytes), {} receives ({} bytes), {} TCP retransmits "
			   "({} bytes), {} peers ([net:*] stacks weigh bytes)",
			   t.sends, t.sent_bytes, t.recvs, t.received_bytes, t.retransmits,
			   t.retransmitted_bytes, t.peers);
}

}  // namespace xpu
