#include "profile/net_frames.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>

namespace xpu {

namespace {

std::string ip_text(int family, std::span<const uint8_t> addr)
{
	char buf[INET6_ADDRSTRLEN] = {};
	if (!inet_ntop(family, addr.data(), buf, sizeof(buf)))
		return "?";
	return buf;
}

// A protocol other than TCP names itself before the address.
std::string inet_protocol(uint16_t protocol)
{
	switch (protocol) {
	case IPPROTO_TCP: return "";
	case IPPROTO_UDP: return "udp:";
	case IPPROTO_UDPLITE: return "udplite:";
	case IPPROTO_SCTP: return "sctp:";
	case IPPROTO_ICMP: return "icmp:";
	case IPPROTO_ICMPV6: return "icmp6:";
	case IPPROTO_RAW: return "raw:";
	default: return fmt::format("ip{}:", protocol);
	}
}

std::string unix_kind(uint16_t type)
{
	switch (type) {
	case SOCK_STREAM: return "unix";
	case SOCK_DGRAM: return "unix-dgram";
	case SOCK_SEQPACKET: return "unix-seqpacket";
	default: return fmt::format("unix-type{}", type);
	}
}

// A path up to its NUL; an abstract name (leading NUL) as "@name", its
// NULs and unprintable bytes as '?' (they are data there, not ends). The
// folded format's separators never pass.
std::string unix_path(std::span<const uint8_t> addr)
{
	std::string out;
	bool abstract = !addr.empty() && addr[0] == 0;
	if (abstract) {
		out = "@";
		addr = addr.subspan(1);
	}
	for (uint8_t c : addr) {
		if (c == 0 && !abstract)
			break;
		out += (c < 0x20 || c == 0x7f || c == ';') ? '?' : static_cast<char>(c);
	}
	return out;
}

// A datagram socket sending with sendto() has no peer of its own: the
// kernel's destination is all zeros.
bool unconnected(const NetPeer &p)
{
	for (uint8_t b : p.addr)
		if (b)
			return false;
	return p.port == 0;
}

}  // namespace

std::string format_peer(const NetPeer &p)
{
	switch (p.family) {
	case AF_INET:
		if (p.addr.size() < 4)
			return "?";
		if (unconnected(p))
			return inet_protocol(p.protocol) + "unconnected";
		return fmt::format("{}{}:{}", inet_protocol(p.protocol), ip_text(AF_INET, p.addr),
				   p.port);
	case AF_INET6:
		if (p.addr.size() < 16)
			return "?";
		if (unconnected(p))
			return inet_protocol(p.protocol) + "unconnected";
		return fmt::format("{}[{}]:{}", inet_protocol(p.protocol), ip_text(AF_INET6, p.addr),
				   p.port);
	case AF_UNIX: {
		std::string path = unix_path(p.addr);
		if (path.empty())
			return unix_kind(p.protocol);
		return unix_kind(p.protocol) + ":" + path;
	}
	default:
		return fmt::format("af{}", p.family);
	}
}

std::string_view net_dir_name(NetDir d)
{
	switch (d) {
	case NetDir::send: return "send";
	case NetDir::recv: return "recv";
	case NetDir::retransmit: return "retransmit";
	}
	return "?";
}

std::string net_frame(NetDir d, std::string_view peer)
{
	return fmt::format("{}{}]{}", kNetPrefix, net_dir_name(d), peer);
}

}  // namespace xpu
