// The network layer's totals for record's summary line: calls and bytes
// per direction, over every stack and peer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "profile/event.hpp"

namespace xpu {

struct NetTotals {
	uint64_t sends = 0, sent_bytes = 0;
	uint64_t recvs = 0, received_bytes = 0;
	uint64_t retransmits = 0, retransmitted_bytes = 0;  // TCP segments
	size_t peers = 0;  // distinct peers
};

// Over the set's network events; the others are not looked at.
NetTotals net_totals(const std::vector<Event> &events);

// "  net: 200 sends (819200 bytes), 150 receives (819200 bytes), 0 TCP
// retransmits, 2 peers ([net:*] stacks weigh bytes)".
std::string format_net_totals(const NetTotals &t);

}  // namespace xpu
