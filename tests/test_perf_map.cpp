// /tmp/perf-PID.map parsing and lookup.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstring>

#include <catch2/catch.hpp>

#include "symbolize/perf_map.hpp"

using namespace xpu;

namespace {

std::string name_at(const PerfMap &m, uint64_t addr)
{
	auto n = m.lookup(addr);
	return n ? std::string(*n) : "-";
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

TEST_CASE("perf map: refresh parses only what was appended", "[perf_map]")
{
	char path[] = "/tmp/xpu-perf-map-test-XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	auto append = [&](const char *text) {
		REQUIRE(write(fd, text, strlen(text)) == ssize_t(strlen(text)));
	};
	PerfMap m;
	append("1000 100 first\n2000 100 second\n3000 10 thi");  // a line half written
	REQUIRE(m.refresh_path(path));
	CHECK(m.lines_parsed() == 2);
	CHECK(m.size() == 2);
	CHECK(name_at(m, 0x1050) == "first");
	CHECK(name_at(m, 0x3000) == "-");  // not finished yet

	append("rd\n0500 10 below\n");  // the rest of the line, then new code
	REQUIRE(m.refresh_path(path));
	CHECK(m.lines_parsed() == 4);  // the two new lines only
	CHECK(name_at(m, 0x3009) == "third");
	CHECK(name_at(m, 0x0505) == "below");
	CHECK(name_at(m, 0x2000) == "second");

	auto again = m.refresh_path(path);  // nothing new: nothing parsed
	REQUIRE(again);
	CHECK_FALSE(*again);
	CHECK(m.lines_parsed() == 4);

	append("1040 20 reused\n4000 10 fourth\n");  // memory reused: the later line wins
	REQUIRE(m.refresh_path(path));
	CHECK(m.lines_parsed() == 6);
	CHECK(name_at(m, 0x103f) == "first");
	CHECK(name_at(m, 0x1040) == "reused");
	CHECK(name_at(m, 0x1060) == "first");
	CHECK(name_at(m, 0x4000) == "fourth");
	CHECK(name_at(m, 0x3009) == "third");
	CHECK(m.size() == 7);  // first split around reused

	// Rewritten from scratch (a new JIT with a recycled pid): read again.
	REQUIRE(ftruncate(fd, 0) == 0);
	REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
	append("9000 10 new\n");
	REQUIRE(m.refresh_path(path));
	CHECK(name_at(m, 0x9000) == "new");
	CHECK(name_at(m, 0x1050) == "-");
	CHECK(m.size() == 1);
	close(fd);
	unlink(path);
	CHECK_FALSE(m.refresh_path(path));  // gone: an error, and the table stays
	CHECK(name_at(m, 0x9000) == "new");
}
