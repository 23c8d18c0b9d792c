#include <catch2/catch.hpp>

#include "base/parse.hpp"
#include "kernel/perf_event.hpp"

using namespace xpu;
using namespace std::chrono;

TEST_CASE("parse_duration accepts perf-style durations", "[parse]")
{
	CHECK(*parse_duration("10") == seconds(10));
	CHECK(*parse_duration("10s") == seconds(10));
	CHECK(*parse_duration("500ms") == milliseconds(500));
	CHECK(*parse_duration("2m") == minutes(2));
	CHECK(*parse_duration("1h") == hours(1));
	CHECK(*parse_duration("1.5s") == milliseconds(1500));
	CHECK(*parse_duration("250us") == microseconds(250));
}

TEST_CASE("parse_duration rejects bad values with a usage error", "[parse]")
{
	for (const char *bad : {"", "s", "abc", "10x", "-1", "0", "0s", "1e30s", "nan", "10 s"}) {
		INFO(bad);
		auto r = parse_duration(bad);
		REQUIRE_FALSE(r);
		CHECK(r.error().exit == ExitCode::usage);
		CHECK_THAT(r.error().msg, Catch::Contains("bad duration"));
	}
}

TEST_CASE("parse_pid_list reads perf's -p syntax", "[parse]")
{
	CHECK(*parse_pid_list("1234") == std::vector<pid_t>{1234});
	CHECK(*parse_pid_list("3,1,2,3") == std::vector<pid_t>{1, 2, 3});
	for (const char *bad : {"", "x", "1,", ",1", "0", "-5", "1,,2", "99999999999"}) {
		INFO(bad);
		auto r = parse_pid_list(bad);
		REQUIRE_FALSE(r);
		CHECK(r.error().exit == ExitCode::usage);
	}
}

TEST_CASE("parse_cpu_list reads /sys/devices/system/cpu/online", "[parse]")
{
	CHECK(*parse_cpu_list("0\n") == std::vector<int>{0});
	CHECK(*parse_cpu_list("0-3") == std::vector<int>{0, 1, 2, 3});
	CHECK(*parse_cpu_list("0-1,4,6-7\n") == std::vector<int>{0, 1, 4, 6, 7});
	CHECK_FALSE(parse_cpu_list(""));
	CHECK_FALSE(parse_cpu_list("3-1"));
	CHECK_FALSE(parse_cpu_list("a-b"));
	auto online = online_cpus();
	REQUIRE(online);
	CHECK(online->size() == static_cast<size_t>(sysconf(_SC_NPROCESSORS_ONLN)));
}
