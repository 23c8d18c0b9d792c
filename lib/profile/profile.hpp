// A profile: weighted call stacks, each a root-first list of frames joined by
// ';' (the folded-stack key). What record, top, live and tune build from the
// sources. The folded writer prints it as it is; the views that need a
// tree (tables, SVG, speedscope, pprof, live's JSON) build a StackTree from it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace xpu {

class Profile {
public:
	// Adds `weight` to the stack with these frames (root first). Frames
	// must already be clean (no ';' or newline); see clean_frame().
	void add(std::span<const std::string> frames, uint64_t weight);
	// Adds to an already-joined stack "a;b;c".
	void add_folded(std::string_view stack, uint64_t weight);

	uint64_t total() const { return total_; }
	size_t size() const { return stacks_.size(); }
	const std::unordered_map<std::string, uint64_t> &stacks() const { return stacks_; }
	// Stacks in byte order (what sort(1) and stackcollapse-perf.pl give).
	std::vector<std::pair<std::string_view, uint64_t>> sorted() const;

private:
	std::unordered_map<std::string, uint64_t> stacks_;
	uint64_t total_ = 0;
};

// A frame name made safe for the folded format with make_frame_safe() (the
// one rule for every frame: ';' -> ':', newlines -> ' '); an empty name
// becomes "[unknown]". The symbolizer's frames already obey the rule; this
// is for names from elsewhere (thread names, labels).
std::string clean_frame(std::string_view name);

}  // namespace xpu
