#include <numeric>

#include <catch2/catch.hpp>

#include "profile/weights.hpp"

using namespace xpu;

namespace {
uint64_t sum(const std::vector<uint64_t> &v) { return std::accumulate(v.begin(), v.end(), 0ull); }
}  // namespace

TEST_CASE("ns -> samples: exact multiples convert exactly", "[weights]")
{
	// At 99 Hz one sample is 1e9/99 ns; at 1000 Hz, 1 ms.
	std::vector<uint64_t> ns = {1000000000, 3000000, 0};
	CHECK(ns_to_samples(ns, 1000) == std::vector<uint64_t>{1000, 3, 0});
	CHECK(ns_to_samples(ns, 99) == std::vector<uint64_t>{99, 0, 0});
	std::vector<uint64_t> second = {1000000000};
	CHECK(ns_to_samples(second, 99) == std::vector<uint64_t>{99});
}

TEST_CASE("ns -> samples: largest remainder keeps the total honest", "[weights]")
{
	// Three stacks of 4 ms each at 100 Hz: 0.4 samples each, 1.2 in all.
	// Rounding each would give 0 + 0 + 0; the total must be 1.
	std::vector<uint64_t> ns = {4000000, 4000000, 4000000};
	auto w = ns_to_samples(ns, 100);
	CHECK(sum(w) == 1);
	CHECK(w == std::vector<uint64_t>{1, 0, 0});  // ties: the first entry

	// The largest remainder wins, not the first: 0.3, 0.7, 0.5 -> total 2.
	std::vector<uint64_t> ns2 = {3000000, 7000000, 5000000};
	CHECK(ns_to_samples(ns2, 100) == std::vector<uint64_t>{0, 1, 1});

	// Large values do not overflow: 10 hours at 100 kHz.
	std::vector<uint64_t> big = {36000000000000ull, 1};
	CHECK(ns_to_samples(big, 100000) == std::vector<uint64_t>{3600000000ull, 0});
}

TEST_CASE("ns -> samples: total is round(sum * F / 1e9) for any split", "[weights]")
{
	std::vector<uint64_t> ns;
	uint64_t total_ns = 0;
	for (uint64_t i = 1; i <= 500; i++) {
		ns.push_back(i * 7919 % 3000001);
		total_ns += ns.back();
	}
	for (int f : {1, 49, 99, 997, 10000}) {
		INFO("freq " << f);
		auto w = ns_to_samples(ns, f);
		uint64_t expect = (total_ns * static_cast<uint64_t>(f) + 500000000) / 1000000000;
		CHECK(sum(w) == expect);
		for (size_t i = 0; i < ns.size(); i++) {
			double exact = static_cast<double>(ns[i]) * f / 1e9;
			CHECK(std::abs(static_cast<double>(w[i]) - exact) < 1.0);
		}
	}
}
