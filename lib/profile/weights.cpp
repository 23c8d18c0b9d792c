#include "profile/weights.hpp"

#include <algorithm>
#include <numeric>

namespace xpu {

std::vector<uint64_t> ns_to_samples(std::span<const uint64_t> ns, int freq)
{
	using u128 = unsigned __int128;
	constexpr u128 kNsPerSecond = 1000000000;
	std::vector<uint64_t> out(ns.size());
	std::vector<uint64_t> rem(ns.size());
	u128 sum_scaled = 0, sum_floor = 0;
	for (size_t i = 0; i < ns.size(); i++) {
		u128 scaled = static_cast<u128>(ns[i]) * static_cast<u128>(freq > 0 ? freq : 0);
		out[i] = static_cast<uint64_t>(scaled / kNsPerSecond);
		rem[i] = static_cast<uint64_t>(scaled % kNsPerSecond);
		sum_scaled += scaled;
		sum_floor += out[i];
	}
	u128 total = (sum_scaled + kNsPerSecond / 2) / kNsPerSecond;
	auto extra = static_cast<size_t>(total - sum_floor);  // < ns.size()
	std::vector<size_t> order(ns.size());
	std::iota(order.begin(), order.end(), 0);
	std::stable_sort(order.begin(), order.end(),
			 [&](size_t a, size_t b) { return rem[a] > rem[b]; });
	for (size_t k = 0; k < extra && k < order.size(); k++)
		out[order[k]]++;
	return out;
}

}  // namespace xpu
