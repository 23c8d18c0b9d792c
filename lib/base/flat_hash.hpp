// Small open-addressing hash tables for the profile's hot paths (frame
// interning, child lookup): one flat array probed linearly, no allocation
// per entry, so building and freeing a tree of millions of nodes costs a
// few large allocations instead of millions of small ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace xpu {

// A 64-bit mix (the murmur3 finalizer): spreads keys whose low bits repeat.
inline uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

// uint64 key -> uint32 value. Keys must not be `empty_key`.
class FlatMap64 {
public:
	static constexpr uint64_t empty_key = UINT64_MAX;

	// The value of `key`, inserting `value` when it is not there yet;
	// `added` says which.
	uint32_t find_or_insert(uint64_t key, uint32_t value, bool &added)
	{
		if ((size_ + 1) * 4 > slots_.size() * 3)
			grow();
		size_t mask = slots_.size() - 1;
		for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
			Slot &s = slots_[i];
			if (s.key == key) {
				added = false;
				return s.value;
			}
			if (s.key == empty_key) {
				s = {key, value};
				++size_;
				added = true;
				return value;
			}
		}
	}

	// The value of `key`, or `missing`.
	uint32_t find(uint64_t key, uint32_t missing) const
	{
		if (slots_.empty())
			return missing;
		size_t mask = slots_.size() - 1;
		for (size_t i = mix64(key) & mask;; i = (i + 1) & mask) {
			const Slot &s = slots_[i];
			if (s.key == key)
				return s.value;
			if (s.key == empty_key)
				return missing;
		}
	}

	size_t size() const { return size_; }
	size_t bytes() const { return slots_.size() * sizeof(Slot); }

private:
	struct Slot {
		uint64_t key = empty_key;
		uint32_t value = 0;
	};

	void grow()
	{
		std::vector<Slot> old(slots_.empty() ? 64 : slots_.size() * 2);
		old.swap(slots_);
		size_t mask = slots_.size() - 1;
		for (const Slot &s : old) {
			if (s.key == empty_key)
				continue;
			size_t i = mix64(s.key) & mask;
			while (slots_[i].key != empty_key)
				i = (i + 1) & mask;
			slots_[i] = s;
		}
	}

	std::vector<Slot> slots_;
	size_t size_ = 0;
};

}  // namespace xpu
