// A profile: weighted call stacks, each a root-first list of frames. What
// record, top, live and tune build from the sources (profile_builder), and
// what the folded writer prints ("frame;frame;frame WEIGHT", the folded-stack
// key). The views that need a tree (tables, SVG, speedscope, pprof, live's
// JSON) build a StackTree from it.
//
// Frames are interned (frame_table.hpp) and a stack is a run of frame ids,
// so memory grows with distinct frames and stacks, not with the text of
// every line. Each stack keeps its weight in the unit it was measured in:
// counted weights as they are, off-CPU and GPU time in nanoseconds. They
// become samples only when the profile is read (for_each, total), each timed
// layer converted on its own at the profile's frequency (weights.hpp), so a
// stack's nanoseconds are rounded once, however many sources added to it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "profile/frame_table.hpp"
#include "profile/stack_tree.hpp"

namespace xpu {

// How a stack's weight was measured. `count`: on-CPU samples, GPU launches,
// network bytes, weights read from folded text; written as they are.
// The others are nanoseconds, converted to samples at output.
enum class WeightUnit : uint8_t { count, offcpu_ns, gpu_ns };

class Profile {
public:
	// `freq`: samples per second, the unit nanoseconds convert to.
	explicit Profile(int freq = 0) : freq_(freq) {}
	Profile(const Profile &other);
	Profile &operator=(const Profile &other);
	Profile(Profile &&other) noexcept;
	Profile &operator=(Profile &&other) noexcept;

	// Adds `weight` to the stack with these frames (root first). Frames
	// must already be clean (no ';' or newline); see clean_frame().
	void add(std::span<const std::string> frames, uint64_t weight,
		 WeightUnit unit = WeightUnit::count);
	// Adds to an already-joined stack "a;b;c".
	void add_folded(std::string_view stack, uint64_t weight, WeightUnit unit = WeightUnit::count);
	// Adds every stack of `other` (weights in samples, as other reads them).
	void merge(const Profile &other);

	// In samples. Stacks whose weight rounds to 0 are not counted.
	uint64_t total() const;
	size_t size() const;
	int freq() const { return freq_; }
	// Calls fn(stack, weight in samples) for each stack whose weight is not
	// 0, in byte order of the joined stacks (what sort(1) and
	// stackcollapse-perf.pl give).
	void for_each(const std::function<void(std::string_view, uint64_t)> &fn) const;
	// The same with the stack as frame ids in frames().
	void for_each_ids(const std::function<void(std::span<const FrameId>, uint64_t)> &fn) const;
	const FrameTable &frames() const { return frames_; }

private:
	static constexpr size_t kUnits = 3;
	struct Stack {
		uint64_t hash = 0;
		uint32_t chunk = 0;  // its frames: chunks_[chunk][begin, begin + length)
		uint32_t begin = 0;
		uint32_t length = 0;
		uint64_t weight[kUnits] = {};
	};
	// Weights in samples and the order they are read in, worked out on the
	// first read after a change. Reads may come from several threads (the
	// live page's HTTP server holds a const Profile), hence the lock.
	struct Converted {
		std::vector<uint64_t> samples;  // by stack
		std::vector<uint32_t> order;    // stacks with samples > 0, in byte order
		uint64_t total = 0;
	};

	void add_ids(std::span<const FrameId> ids, uint64_t weight, WeightUnit unit);
	std::span<const FrameId> ids_of(const Stack &s) const
	{
		return {chunks_[s.chunk].ids.get() + s.begin, s.length};
	}
	// Room for `n` ids, returned as (chunk, begin).
	std::pair<uint32_t, uint32_t> allocate_ids(size_t n);
	bool before(const Stack &a, const Stack &b) const;
	const Converted &converted() const;
	void grow_index();

	int freq_;
	FrameTable frames_;
	// Every stack's frames, one run each, in chunks that never move: one
	// growing vector would copy itself at each doubling, and at 15,000
	// stacks that copy was the peak of record's memory.
	struct Chunk {
		std::unique_ptr<FrameId[]> ids;
		uint32_t size = 0, used = 0;
	};
	static constexpr uint32_t kChunkIds = 1u << 16;  // 256 KiB
	std::vector<Chunk> chunks_;
	std::vector<Stack> stacks_;
	std::vector<uint32_t> index_;  // open addressing: stack index + 1, 0 empty
	std::vector<FrameId> scratch_;
	mutable std::mutex lock_;
	mutable std::unique_ptr<Converted> converted_;
};

// The profile as the tree views see it (weights in samples).
StackTree stack_tree(const Profile &p);

// A frame name made safe for the folded format with make_frame_safe() (the
// one rule for every frame: ';' -> ':', newlines -> ' '); an empty name
// becomes "[unknown]". The symbolizer's frames already obey the rule; this
// is for names from elsewhere (thread names, labels).
std::string clean_frame(std::string_view name);

}  // namespace xpu
