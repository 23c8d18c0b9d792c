// The network layer's pure parts: how a socket's peer is written into a
// frame, the layer's names in report, and the summary's totals.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <map>
#include <vector>

#include <catch2/catch.hpp>

#include "kernel/net_probe.hpp"
#include "output/export_pprof.hpp"
#include "profile.pb.h"
#include "profile/net_frames.hpp"
#include "profile/net_totals.hpp"
#include "profile/stack_tree.hpp"
#include "report/report_group.hpp"

using namespace xpu;

namespace {

NetPeer inet4(const char *ip, uint16_t port, uint16_t protocol, std::array<uint8_t, 4> &buf)
{
	REQUIRE(inet_pton(AF_INET, ip, buf.data()) == 1);
	return {.family = AF_INET, .protocol = protocol, .port = port, .addr = buf};
}

NetPeer unix_peer(std::string_view path, uint16_t type = SOCK_STREAM)
{
	return {.family = AF_UNIX,
		.protocol = type,
		.port = 0,
		.addr = {reinterpret_cast<const uint8_t *>(path.data()), path.size()}};
}

}  // namespace

TEST_CASE("net peers: IPv4 and IPv6 address:port, TCP bare, others named", "[net]")
{
	std::array<uint8_t, 4> v4{};
	CHECK(format_peer(inet4("127.0.0.1", 5432, IPPROTO_TCP, v4)) == "127.0.0.1:5432");
	CHECK(format_peer(inet4("10.0.0.7", 53, IPPROTO_UDP, v4)) == "udp:10.0.0.7:53");
	CHECK(format_peer(inet4("0.0.0.0", 0, IPPROTO_UDP, v4)) == "udp:unconnected");
	CHECK(format_peer(inet4("0.0.0.0", 7, 99, v4)) == "ip99:0.0.0.0:7");

	std::array<uint8_t, 16> v6{};
	REQUIRE(inet_pton(AF_INET6, "::1", v6.data()) == 1);
	CHECK(format_peer({.family = AF_INET6, .protocol = IPPROTO_TCP, .port = 8080, .addr = v6}) ==
	      "[::1]:8080");
	REQUIRE(inet_pton(AF_INET6, "2001:db8::2", v6.data()) == 1);
	CHECK(format_peer({.family = AF_INET6, .protocol = IPPROTO_UDP, .port = 443, .addr = v6}) ==
	      "udp:[2001:db8::2]:443");
	// What the kernel side could not read is not invented.
	CHECK(format_peer({.family = AF_INET6, .protocol = IPPROTO_TCP, .port = 1, .addr = {}}) == "?");
	CHECK(format_peer({.family = 17, .protocol = 0, .port = 0, .addr = {}}) == "af17");
}

TEST_CASE("net peers: Unix paths, abstract names, unbound sockets", "[net]")
{
	CHECK(format_peer(unix_peer(std::string_view("/tmp/x.sock\0\0\0", 14))) == "unix:/tmp/x.sock");
	CHECK(format_peer(unix_peer("/run/a.sock", SOCK_DGRAM)) == "unix-dgram:/run/a.sock");
	CHECK(format_peer(unix_peer("/s", SOCK_SEQPACKET)) == "unix-seqpacket:/s");
	// An abstract name starts with a NUL; its other bytes are data.
	CHECK(format_peer(unix_peer(std::string_view("\0dbus\0x", 7))) == "unix:@dbus?x");
	// Neither end bound (socketpair): the family alone.
	CHECK(format_peer(unix_peer("")) == "unix");
	// The folded format's separator never reaches a frame.
	CHECK(format_peer(unix_peer("/tmp/a;b")) == "unix:/tmp/a?b");
	CHECK(format_peer(unix_peer("/tmp/a\nb")) == "unix:/tmp/a?b");
}

TEST_CASE("net frames: the leaf, its kind and its layer in report", "[net]")
{
	CHECK(net_frame(NetDir::send, "127.0.0.1:5432") == "[net:send]127.0.0.1:5432");
	CHECK(net_frame(NetDir::recv, "unix:/tmp/x.sock") == "[net:recv]unix:/tmp/x.sock");
	CHECK(net_frame(NetDir::retransmit, "[::1]:443") == "[net:retransmit][::1]:443");
	CHECK(classify_frame("[net:send]127.0.0.1:5432") == FrameKind::net);
	CHECK(std::string(to_string(FrameKind::net)) == "net");
	CHECK(layer_of_frame("[net:recv]unix:/tmp/x.sock") == "net:recv");
	CHECK(layer_of_frame("[net:retransmit][::1]:443") == "net:retransmit");
	CHECK(frame_dso("[net:send]1.2.3.4:5", FrameKind::net) == "[net]");
}

TEST_CASE("net tracepoints: what a kernel without them cannot count, by name", "[net]")
{
	CHECK(NetTracepoints{.send = true, .recv = true, .retransmit = true, .destroy = false}
		      .missing()
		      .empty());
	NetTracepoints old{.send = false, .recv = false, .retransmit = true, .destroy = true};
	CHECK_FALSE(old.any_io());
	CHECK(old.missing() == std::vector<std::string>{"sock_send_length (bytes sent)",
							"sock_recv_length (bytes received)"});
	NetTracepoints no_rtx{.send = true, .recv = true, .retransmit = false, .destroy = false};
	CHECK(no_rtx.any_io());
	CHECK(no_rtx.missing() == std::vector<std::string>{"tcp_retransmit_skb (retransmits)"});
	// This machine's kernel, as `xpu-perf check` reports it.
	NetTracepoints here = probe_net_tracepoints();
	INFO("sock_send_length " << here.send << ", sock_recv_length " << here.recv);
	CHECK(here.send == here.recv);  // both came in Linux 6.3
}

TEST_CASE("net totals: calls and bytes per direction, distinct peers", "[net]")
{
	std::vector<Event> counts = {
		net_event({}, {NetDir::send, "127.0.0.1:1"}, 640, 10),
		net_event({}, {NetDir::send, "unix:/s"}, 4096, 1),
		net_event({}, {NetDir::recv, "unix:/s"}, 4096, 3),
		net_event({}, {NetDir::retransmit, "127.0.0.1:1"}, 64, 1),
		cpu_sample_event({}, 99),  // not the network's: left out
	};
	NetTotals t = net_totals(counts);
	CHECK(t.sends == 11);
	CHECK(t.sent_bytes == 4736);
	CHECK(t.recvs == 3);
	CHECK(t.received_bytes == 4096);
	CHECK(t.retransmits == 1);
	CHECK(t.retransmitted_bytes == 64);
	CHECK(t.peers == 2);
	CHECK(format_net_totals(t) ==
	      "  net: 11 sends (4736 bytes), 3 receives (4096 bytes), 1 TCP retransmits (64 bytes), "
	      "2 peers ([net:*] stacks weigh bytes)");
}

TEST_CASE("pprof: network bytes are a sample type of their own", "[net]")
{
	// A viewer must never add bytes to samples: with net stacks the profile
	// has two sample types, and each sample has its weight in one of them.
	xpu::StackTree t;
	t.add("p;main;compute", 3);
	t.add("p;main;send;[net:send]127.0.0.1:80", 1000);
	std::string msg = xpu::to_pprof_message(t);
	perftools::profiles::Profile p;
	REQUIRE(p.ParseFromString(msg));
	REQUIRE(p.sample_type_size() == 2);
	CHECK(p.string_table(p.sample_type(0).type()) == "samples");
	CHECK(p.string_table(p.sample_type(1).type()) == "net");
	CHECK(p.string_table(p.sample_type(1).unit()) == "bytes");
	std::map<std::string, std::vector<int64_t>> by_leaf;
	for (const auto &s : p.sample()) {
		uint64_t leaf = s.location_id(0);  // leaf first
		std::string name = p.string_table(p.function(static_cast<int>(leaf) - 1).name());
		by_leaf[name] = {s.value().begin(), s.value().end()};
	}
	CHECK(by_leaf["compute"] == std::vector<int64_t>{3, 0});
	CHECK(by_leaf["[net:send]127.0.0.1:80"] == std::vector<int64_t>{0, 1000});
	// Without net stacks, one sample type as before.
	xpu::StackTree cpu;
	cpu.add("p;main", 2);
	REQUIRE(p.ParseFromString(xpu::to_pprof_message(cpu)));
	CHECK(p.sample_type_size() == 1);
}
