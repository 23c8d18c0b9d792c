#include "kernel/row_allocator.hpp"

#include <algorithm>
#include <cassert>

namespace xpu {

RowAllocator::RowAllocator(uint32_t capacity) : capacity_(capacity)
{
	if (capacity)
		free_.emplace(0, capacity);
}

std::optional<uint32_t> RowAllocator::take(uint32_t count)
{
	if (count == 0)
		return std::nullopt;
	for (auto it = free_.begin(); it != free_.end(); ++it) {
		auto [base, len] = *it;
		if (len < count)
			continue;
		free_.erase(it);
		if (len > count)
			free_.emplace(base + count, len - count);
		used_ += count;
		return base;
	}
	return std::nullopt;
}

std::optional<uint32_t> RowAllocator::take_high(uint32_t count)
{
	if (count == 0)
		return std::nullopt;
	for (auto it = free_.rbegin(); it != free_.rend(); ++it) {
		auto &[base, len] = *it;
		if (len < count)
			continue;
		uint32_t at = base + len - count;
		if (len == count)
			free_.erase(std::next(it).base());
		else
			len -= count;
		used_ += count;
		return at;
	}
	return std::nullopt;
}

void RowAllocator::give_back(uint32_t base, uint32_t count)
{
	if (count == 0)
		return;
	assert(used_ >= count);
	used_ -= count;
	auto next = free_.lower_bound(base);
	if (next != free_.end() && base + count == next->first) {
		count += next->second;
		next = free_.erase(next);
	}
	if (next != free_.begin()) {
		auto prev = std::prev(next);
		if (prev->first + prev->second == base) {
			prev->second += count;
			return;
		}
	}
	free_.emplace(base, count);
}

uint32_t RowAllocator::largest_free() const
{
	uint32_t best = 0;
	for (const auto &[base, len] : free_)
		best = std::max(best, len);
	return best;
}

}  // namespace xpu
