// Space in the unwinder's shared rows array (bpf/unwind.h): each binary's
// table takes one contiguous range, and an evicted table's range is given
// back for another. First fit over the free ranges, merged with their
// neighbours when freed, so a large table (libtorch_cpu: 1.4M rows) finds
// room again once enough small ones around it are gone.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

namespace xpu {

class RowAllocator {
public:
	explicit RowAllocator(uint32_t capacity);

	// The base of `count` free rows, now taken; none when no free range is
	// that long. A request for 0 rows takes nothing and fails.
	std::optional<uint32_t> take(uint32_t count);
	// The same from the top: the last free range that is long enough, its
	// end. Tables a walk asked for go high and tables built ahead of need
	// low, so the cold ones evicted for a large table lie together.
	std::optional<uint32_t> take_high(uint32_t count);
	// Gives back a range `take` returned.
	void give_back(uint32_t base, uint32_t count);

	uint32_t capacity() const { return capacity_; }
	uint32_t used() const { return used_; }
	// The longest free range: the largest table that fits now.
	uint32_t largest_free() const;
	// base -> count, sorted, never touching.
	const std::map<uint32_t, uint32_t> &free_ranges() const { return free_; }

private:
	uint32_t capacity_;
	uint32_t used_ = 0;
	std::map<uint32_t, uint32_t> free_;  // base -> count, ranges never touch
};

}  // namespace xpu
