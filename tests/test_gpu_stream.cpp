// The pipe reader (lib/gpu/gpu_stream) on protocol v1 streams: what it must
// take, and the damaged input it must survive (lib/gpu/gpu_protocol.h).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "helpers.hpp"
#include "gpu/gpu_protocol.h"
#include "gpu/gpu_stream.hpp"

using namespace xpu;

namespace {

struct Collected {
	std::vector<GpuActivity> acts;
	std::vector<std::string> api;  // "pid/domain/cbid=name"
	GpuStreamParser parser{GpuStreamParser::Sink{
		.activity = [this](const GpuActivity &a) { acts.push_back(a); },
		.api_name =
			[this](pid_t pid, uint32_t d, uint32_t c, const std::string &n) {
				api.push_back(std::to_string(pid) + "/" + std::to_string(d) + "/" +
					      std::to_string(c) + "=" + n);
			},
		.api_call = {},
		.sync = {},
	}};
};

std::string fixture(const std::string &name)
{
	std::ifstream f(test::build_dir() + "/../tests/fixtures/gpu/" + name);
	REQUIRE(f);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

}  // namespace

TEST_CASE("gpu stream: a complete v1 stream", "[gpu]")
{
	Collected c;
	c.parser.feed(fixture("reader_basic.stream"));
	c.parser.finish();
	REQUIRE(c.acts.size() == 3);
	const GpuActivity &k = c.acts[0];
	CHECK(k.kind == GpuKind::kernel);
	CHECK(k.pid == 4242);
	CHECK(k.corr == 7);
	CHECK(k.ns() == 3000);
	CHECK(k.stream == 13);
	CHECK(k.name == "_Z6scaleIfEvPT_i");
	CHECK(c.acts[1].kind == GpuKind::memcpy);
	CHECK(c.acts[1].copy_kind == gpu_proto::kCopyHtoD);
	CHECK(c.acts[1].src_kind == gpu_proto::kMemPageable);
	CHECK(c.acts[1].bytes == 4096);
	CHECK(c.acts[2].kind == GpuKind::memset);
	CHECK(c.acts[2].ns() == 100);
	CHECK(c.api == std::vector<std::string>{"4242/2/211=cudaLaunchKernel_v7000"});
	const auto &p = c.parser.processes().at(4242);
	CHECK(p.hello);
	CHECK(p.comm == "trainer");
	CHECK(p.clock == "MONO");
	CHECK(p.ended);
	CHECK(p.end_reason == "atexit");
	CHECK(p.syncs == 1);
	CHECK(p.records == 3);
	CHECK(c.parser.malformed() == 0);
	CHECK(c.parser.truncated_lines() == 0);
}

TEST_CASE("gpu stream: lines split anywhere across reads", "[gpu]")
{
	std::string all = fixture("reader_basic.stream");
	for (size_t chunk : {1, 3, 7, 64}) {
		Collected c;
		for (size_t at = 0; at < all.size(); at += chunk)
			c.parser.feed(std::string_view(all).substr(at, chunk));
		c.parser.finish();
		INFO("chunk " << chunk);
		CHECK(c.acts.size() == 3);
		CHECK(c.parser.malformed() == 0);
		CHECK(c.parser.processes().at(4242).ended);
	}
}

TEST_CASE("gpu stream: malformed lines are counted and skipped", "[gpu]")
{
	Collected c;
	c.parser.feed("garbage\n"
		      "K\tnotapid\t1\n"
		      "K\t7\t1\t2\n"                           // too few fields
		      "K\t7\t1\t2\t3\t0\t0\t0\t0\t0\t0\t1\t1\t1\t1\t1\tx\t0\n"  // not a number
		      "KK\t7\t1\n"                             // type of two letters
		      "\n"                                     // empty: ignored
		      "S\t7\t1\t3\tabc\n"
		      "K\t7\t5\t10\t30\t0\t0\t0\t1\t0\t0\t1\t1\t1\t1\t1\t1\t0\n");
	CHECK(c.parser.malformed() == 5);
	REQUIRE(c.acts.size() == 1);
	CHECK(c.acts[0].name == "abc");
	CHECK(c.parser.malformed_examples().front() == "garbage");
}

TEST_CASE("gpu stream: a newer minor version's fields and records are ignored", "[gpu]")
{
	Collected c;
	c.parser.feed("H\t9\t1.7\t1\tMONO\t130001\t5\tapp\textra\n"
		      "Q\t9\tsomething new\n"
		      "S\t9\t2\t1\tk\tmore\n"
		      "K\t9\t1\t100\t200\t0\t0\t0\t2\t0\t0\t1\t1\t1\t1\t1\t1\t0\tnew\tfields\n");
	CHECK(c.parser.malformed() == 0);
	REQUIRE(c.acts.size() == 1);
	CHECK(c.acts[0].ns() == 100);
	CHECK(c.acts[0].name == "k");
	CHECK(c.parser.processes().at(9).version == "1.7");
}

TEST_CASE("gpu stream: another major version is refused for that process only", "[gpu]")
{
	Collected c;
	c.parser.feed("H\t9\t2.0\t1\tMONO\t130001\t5\tnew\n"
		      "K\t9\t1\t100\t200\t0\t0\t0\t2\t0\t0\t1\t1\t1\t1\t1\t1\t0\n"
		      "H\t10\t1.0\t1\tMONO\t130001\t5\told\n"
		      "K\t10\t1\t100\t250\t0\t0\t0\t2\t0\t0\t1\t1\t1\t1\t1\t1\t0\n");
	REQUIRE(c.acts.size() == 1);
	CHECK(c.acts[0].pid == 10);
	CHECK(c.parser.processes().at(9).refused);
	CHECK(c.parser.processes().at(9).warnings.size() == 1);
	CHECK_FALSE(c.parser.processes().at(10).refused);
}

TEST_CASE("gpu stream: a stream cut short", "[gpu]")
{
	Collected c;
	c.parser.feed("H\t5\t1.0\t1\tMONO\t130001\t5\tapp\n"
		      "K\t5\t1\t100\t200\t0\t0\t0\t2\t0\t0\t1\t1\t1\t1\t1\t1\t0\n"
		      "K\t5\t2\t100\t2");  // the writer died mid-line
	c.parser.finish();
	CHECK(c.acts.size() == 1);
	CHECK(c.parser.truncated_lines() == 1);
	CHECK_FALSE(c.parser.processes().at(5).ended);
}

TEST_CASE("gpu stream: several processes interleaved on one pipe", "[gpu]")
{
	Collected c;
	c.parser.feed("H\t1\t1.0\t0\tMONO\t1\t0\ta\n"
		      "H\t2\t1.0\t1\tMONO\t1\t0\tb\n"
		      "S\t1\t1\t1\tfrom_a\n"
		      "S\t2\t1\t1\tfrom_b\n"  // same id, other process: its own table
		      "K\t2\t1\t0\t5\t0\t0\t0\t1\t0\t0\t1\t1\t1\t1\t1\t1\t0\n"
		      "K\t1\t1\t0\t7\t0\t0\t0\t1\t0\t0\t1\t1\t1\t1\t1\t1\t0\n"
		      "E\t2\tatexit\t1\t0\n");
	REQUIRE(c.acts.size() == 2);
	CHECK(c.acts[0].name == "from_b");
	CHECK(c.acts[1].name == "from_a");
	CHECK(c.parser.processes().at(2).ended);
	CHECK_FALSE(c.parser.processes().at(1).ended);
}

TEST_CASE("gpu stream: CUPTI clock converted by the C record", "[gpu]")
{
	Collected c;
	c.parser.feed("H\t3\t1.0\t1\tCUPTI\t1\t0\tapp\n"
		      "C\t3\t1000\t1700000000000001000\t50\n"
		      "S\t3\t1\t1\tk\n"
		      "K\t3\t1\t1700000000000002000\t1700000000000002500\t0\t0\t0\t1\t0\t0\t1\t1\t1\t1\t1\t1\t0\n");
	REQUIRE(c.acts.size() == 1);
	CHECK(c.acts[0].start == 2000);
	CHECK(c.acts[0].end == 2500);
}

TEST_CASE("gpu stream: escaped names", "[gpu]")
{
	CHECK(unescape_field("a\\tb\\nc\\\\d") == "a\tb\nc\\d");
	CHECK(unescape_field("trailing\\") == "trailing\\");
	Collected c;
	c.parser.feed("S\t3\t1\t5\tx\\ty\nK\t3\t1\t1\t2\t0\t0\t0\t1\t0\t0\t1\t1\t1\t1\t1\t1\t0\n");
	REQUIRE(c.acts.size() == 1);
	CHECK(c.acts[0].name == "x\ty");
}

TEST_CASE("gpu stream: a graph kernel keeps its graph and node", "[gpu]")
{
	// The golden stream's graph kernel: graph 3, node 77 (CUPTI's graphNodeId,
	// 64 bits; this one above 32 bits).
	Collected c;
	c.parser.feed("S\t3\t4\t3\tk_g\n"
		      "K\t3\t20\t6000\t6500\t0\t1\t7\t4\t3\t77\t4\t1\t1\t256\t1\t1\t0\n"
		      "K\t3\t20\t6500\t7000\t0\t1\t7\t4\t3\t8589934593\t4\t1\t1\t256\t1\t1\t0\n"
		      "K\t3\t21\t7000\t7500\t0\t1\t7\t4\t0\t0\t4\t1\t1\t256\t1\t1\t0\n");
	REQUIRE(c.acts.size() == 3);
	CHECK(c.acts[0].graph_id == 3);
	CHECK(c.acts[0].graph_node == 77);
	CHECK(c.acts[1].graph_node == 8589934593ull);
	CHECK(c.acts[2].graph_id == 0);
	CHECK(c.acts[2].graph_node == 0);
	CHECK(c.parser.malformed() == 0);
}
