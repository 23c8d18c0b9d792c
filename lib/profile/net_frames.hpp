// The network layer's frames: "[net:send]127.0.0.1:5432" as the leaf under
// the user stack that sent, "[net:recv]unix:/tmp/x.sock", "[net:retransmit]
// [::1]:443". TCP peers are written bare (the common case); other protocols
// say theirs: "udp:10.0.0.7:53", "unix:/run/a.sock", "unix-dgram:@name".
// Pure formatting, no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace xpu {

enum class NetDir : uint8_t { send = 1, recv = 2, retransmit = 3 };

inline constexpr std::string_view kNetPrefix = "[net:";

// What the kernel side knows of a socket's peer (bpf/net.h).
struct NetPeer {
	uint16_t family = 0;    // AF_INET, AF_INET6, AF_UNIX
	uint16_t protocol = 0;  // IPPROTO_* for inet, SOCK_* type for Unix
	uint16_t port = 0;      // host order
	std::span<const uint8_t> addr;  // 4 or 16 bytes; a Unix path's bytes
};

// "127.0.0.1:5432", "[::1]:8080", "udp:10.0.0.7:53", "udp:unconnected" (a
// datagram socket sending with sendto(): no peer of its own), "unix:/tmp/x.sock",
// "unix:@abstract" (a leading NUL), "unix" (unbound on both ends),
// "af17" (another family). Never contains ';' or a newline.
std::string format_peer(const NetPeer &p);

std::string_view net_dir_name(NetDir d);  // "send", "recv", "retransmit"
std::string net_frame(NetDir d, std::string_view peer);

}  // namespace xpu
