#include <catch2/catch.hpp>

#include "session/snapshot_schedule.hpp"

using namespace xpu;
using namespace std::chrono;
using AS = SnapshotSchedule::AddressSpace;

TEST_CASE("maps are re-read on a backoff, then every 2 s", "[schedule]")
{
	SnapshotSchedule s;
	auto t0 = SnapshotSchedule::Clock::time_point{} + hours(1);
	s.track(10, 7, t0);
	CHECK(s.due(t0 + milliseconds(99)).empty());
	CHECK(s.due(t0 + milliseconds(100)) == std::vector<AS>{{10, 7}});
	CHECK(s.due(t0 + milliseconds(101)).empty());
	CHECK(s.due(t0 + milliseconds(500)) == std::vector<AS>{{10, 7}});
	CHECK(s.due(t0 + milliseconds(1999)).empty());
	CHECK(s.due(t0 + milliseconds(2000)) == std::vector<AS>{{10, 7}});
	CHECK(s.due(t0 + milliseconds(3999)).empty());
	CHECK(s.due(t0 + milliseconds(4000)) == std::vector<AS>{{10, 7}});
}

TEST_CASE("exec restarts the backoff with the new address space; exit forgets", "[schedule]")
{
	SnapshotSchedule s;
	auto t0 = SnapshotSchedule::Clock::time_point{} + hours(1);
	s.track(10, 1, t0);
	s.track(11, 2, t0);
	CHECK(s.due(t0 + seconds(1)).size() == 2);
	s.track(10, 5, t0 + seconds(1));  // exec
	CHECK(s.due(t0 + milliseconds(1100)) == std::vector<AS>{{10, 5}});
	s.forget(11);
	CHECK(s.live() == std::vector<AS>{{10, 5}});
	CHECK(s.due(t0 + hours(1)) == std::vector<AS>{{10, 5}});
}
