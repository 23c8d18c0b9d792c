// Interned frame names: each distinct frame string is stored once and named
// by a small integer, so a profile's memory grows with its distinct frames,
// not with its lines, and every later question about a frame (its kind, a
// regex match) can be answered once per name and cached by id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace xpu {

using FrameId = uint32_t;

class FrameTable {
public:
	FrameTable() = default;
	FrameTable(const FrameTable &) = delete;
	FrameTable &operator=(const FrameTable &) = delete;
	FrameTable(FrameTable &&) = default;
	FrameTable &operator=(FrameTable &&) = default;

	FrameId intern(std::string_view name);
	// The id of `name` if it was interned, else none().
	FrameId find(std::string_view name) const;
	std::string_view name(FrameId id) const { return names_[id]; }
	size_t size() const { return names_.size(); }
	// Bytes of name text held (for the benchmark's memory notes).
	size_t text_bytes() const { return text_bytes_; }
	static constexpr FrameId none() { return UINT32_MAX; }

private:
	std::string_view store(std::string_view name);

	std::vector<std::unique_ptr<char[]>> blocks_;  // stable storage for the views
	size_t block_left_ = 0;
	char *block_pos_ = nullptr;
	size_t text_bytes_ = 0;
	std::vector<std::string_view> names_;
	// Open addressing: each slot a name's id (none() when empty) and the
	// high half of its hash, so most mismatches skip the string compare.
	struct Slot {
		FrameId id = UINT32_MAX;
		uint32_t hash = 0;
	};
	std::vector<Slot> slots_;
	void grow();
};

// Splits "a;b;c" into interned ids, root first. Consecutive lines of a
// folded file share long prefixes (they are usually sorted), so the frames
// of the byte prefix shared with the previous stack are reused without
// hashing them again.
class StackSplitter {
public:
	explicit StackSplitter(FrameTable &table) : table_(table) {}
	const std::vector<FrameId> &split(std::string_view stack);

private:
	FrameTable &table_;
	std::vector<char> prev_;       // the previous stack's bytes
	std::vector<size_t> ends_;     // where each of its frames ends in prev_
	std::vector<FrameId> ids_;     // and their ids
};

}  // namespace xpu
