// Disjoint address ranges, each with a value, where a newer range replaces
// the parts of older ones it overlaps. Used for an address space built from
// successive /proc/PID/maps snapshots and for perf maps whose JIT reused
// memory.
#pragma once

#include <cstdint>
#include <iterator>
#include <map>
#include <utility>

namespace xpu {

template <class T>
class RangeMap {
public:
	struct Range {
		uint64_t end;  // one past the last address
		T value;
	};

	// Maps [start, end) to value. Older ranges lose the overlapped part:
	// one that straddles the new range is split in two, each piece keeping
	// a copy of its value (so values must not depend on where the range
	// starts: store the original start alongside if they do).
	void assign(uint64_t start, uint64_t end, T value)
	{
		if (start >= end)
			return;
		auto it = ranges_.lower_bound(start);
		if (it != ranges_.begin()) {
			auto prev = std::prev(it);
			if (prev->second.end > start) {
				if (prev->second.end > end)  // straddles: keep the right part
					ranges_.emplace(
					    end, Range{prev->second.end, prev->second.value});
				prev->second.end = start;
			}
		}
		while (it != ranges_.end() && it->first < end) {
			if (it->second.end > end) {  // keep the part past the new range
				Range rest{it->second.end, std::move(it->second.value)};
				ranges_.erase(it);
				ranges_.emplace(end, std::move(rest));
				break;
			}
			it = ranges_.erase(it);
		}
		ranges_.emplace(start, Range{end, std::move(value)});
	}

	// The value whose range holds addr, or nullptr.
	const T *find(uint64_t addr) const
	{
		auto it = ranges_.upper_bound(addr);
		if (it == ranges_.begin())
			return nullptr;
		--it;
		return addr < it->second.end ? &it->second.value : nullptr;
	}
	T *find(uint64_t addr)
	{
		return const_cast<T *>(std::as_const(*this).find(addr));
	}

	size_t size() const { return ranges_.size(); }
	bool empty() const { return ranges_.empty(); }
	auto begin() const { return ranges_.begin(); }
	auto end() const { return ranges_.end(); }

private:
	std::map<uint64_t, Range> ranges_;  // start -> range; disjoint
};

}  // namespace xpu
