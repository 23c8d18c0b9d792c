// /tmp/perf-PID.map parsing and lookup.
#include <unistd.h>

#include <climits>
#include <cstdio>

#include <catch2/catch.hpp>

#include "symbolize/perf_map.hpp"

using namespace xpu;

namespace {

std::string name_at(const PerfMap &m, uint64_t addr)
{
	const std::string *n = m.lookup(addr);
	return n ? *n : "-";
}

}  // namespace

TEST_CASE("perf map: entries, names with spaces, bounds", "[perf_map]")
{
	PerfMap m = PerfMap::parse("7f0000001000 40 LazyCompile:*foo bar.js:12\n"
				   "7f0000002000 0x10 Interpreter\r\n"
				   "0x7f0000003000 8 Ljava/lang/Thread;::run\n");
	CHECK(m.size() == 3);
	CHECK(m.skipped() == 0);
	CHECK(name_at(m, 0x7f0000000fff) == "-");
	CHECK(name_at(m, 0x7f0000001000) == "LazyCompile:*foo bar.js:12");
	CHECK(name_at(m, 0x7f000000103f) == "LazyCompile:*foo bar.js:12");
	CHECK(name_at(m, 0x7f0000001040) == "-");
	CHECK(name_at(m, 0x7f0000002008) == "Interpreter");
	// Raw names as written; the symbolizer makes them fit a folded frame.
	CHECK(name_at(m, 0x7f0000003000) == "Ljava/lang/Thread;::run");
}

TEST_CASE("perf map: malformed lines are skipped and counted", "[perf_map]")
{
	PerfMap m = PerfMap::parse("1000 10 good\n"
				   "zzzz 10 bad_start\n"
				   "2000 0 zero_size\n"
				   "3000 10\n"
				   "4000\n"
				   "\n"
				   "5000 1");  // a JIT still writing its last line
	CHECK(m.size() == 1);
	CHECK(m.skipped() == 5);
	CHECK(name_at(m, 0x1005) == "good");
}

TEST_CASE("perf map: later lines win over overlapped earlier ones", "[perf_map]")
{
	PerfMap m = PerfMap::parse("1000 100 old\n"
				   "1040 20 new\n");
	CHECK(name_at(m, 0x1000) == "old");
	CHECK(name_at(m, 0x1040) == "new");
	CHECK(name_at(m, 0x105f) == "new");
	CHECK(name_at(m, 0x1060) == "old");
}

TEST_CASE("perf map: loaded from /tmp/perf-PID.map", "[perf_map]")
{
	CHECK_FALSE(PerfMap::load(INT_MAX));  // no such file
	// A pid no process has here, so no JIT of ours races the file.
	pid_t pid = INT_MAX - 1;
	std::string path = "/tmp/perf-" + std::to_string(pid) + ".map";
	FILE *f = fopen(path.c_str(), "w");
	REQUIRE(f);
	fputs("a000 10 jitted one\n", f);
	fclose(f);
	auto m = PerfMap::load(pid);
	unlink(path.c_str());
	REQUIRE(m);
	CHECK(name_at(*m, 0xa00f) == "jitted one");
}
