#include "profile/net_totals.hpp"

#include <set>

#include <fmt/format.h>

namespace xpu {

NetTotals net_totals(const std::vector<NetCount> &counts)
{
	NetTotals t;
	std::set<std::string> peers;
	for (const NetCount &c : counts) {
		peers.insert(c.peer);
		switch (c.dir) {
		case NetDir::send:
			t.sends += c.count;
			t.sent_bytes += c.bytes;
			break;
		case NetDir::recv:
			t.recvs += c.count;
			t.received_bytes += c.bytes;
			break;
		case NetDir::retransmit:
			t.retransmits += c.count;
			t.retransmitted_bytes += c.bytes;
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
