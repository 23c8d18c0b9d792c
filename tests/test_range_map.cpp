// RangeMap: newer ranges replace the overlapped parts of older ones.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "base/range_map.hpp"

using namespace xpu;

namespace {

// "start-end:value" for each range, in order.
std::vector<std::string> dump(const RangeMap<std::string> &m)
{
	std::vector<std::string> out;
	for (const auto &[start, r] : m)
		out.push_back(std::to_string(start) + "-" + std::to_string(r.end) + ":" + r.value);
	return out;
}

}  // namespace

TEST_CASE("range map: lookups and replacement", "[symbolizer][range_map]")
{
	RangeMap<std::string> m;
	m.assign(10, 20, "a");
	m.assign(30, 40, "b");
	CHECK(*m.find(10) == "a");
	CHECK(*m.find(19) == "a");
	CHECK(m.find(20) == nullptr);
	CHECK(m.find(9) == nullptr);

	SECTION("inside one range: it is split around the new one") {
		m.assign(12, 15, "c");
		CHECK(dump(m) ==
		      std::vector<std::string>{"10-12:a", "12-15:c", "15-20:a", "30-40:b"});
	}
	SECTION("across ranges: both are trimmed") {
		m.assign(15, 35, "c");
		CHECK(dump(m) == std::vector<std::string>{"10-15:a", "15-35:c", "35-40:b"});
	}
	SECTION("covering ranges: they are removed") {
		m.assign(5, 45, "c");
		CHECK(dump(m) == std::vector<std::string>{"5-45:c"});
	}
	SECTION("the same range again: replaced") {
		m.assign(10, 20, "c");
		CHECK(dump(m) == std::vector<std::string>{"10-20:c", "30-40:b"});
	}
	SECTION("empty ranges are ignored") {
		m.assign(50, 50, "c");
		CHECK(m.size() == 2);
	}
}
