// Which stacks a report looks at, applied to every stack as it is read, so
// that tables, flame graphs, diffs and exports all see the same profile:
//
//   comm     the process frame, less a "-PID" suffix, is one of these names
//   pid      the process frame ends in "-PID" for one of these (record
//            --pid-prefix writes it; without it no stack has a pid)
//   layer    the stack's layer is one of cpu, offcpu, gpu, net (report_group.hpp)
//   grep     some frame matches this regular expression (kept)
//   exclude  some frame matches this regular expression (dropped)
//   focus    the stack passes through a frame named exactly this; it is
//            re-rooted there (its outermost such frame becomes the root)
//
// Regular expressions are ECMAScript (std::regex), searched anywhere in the
// frame name. Each question is asked once per distinct frame name and
// remembered, so filtering costs little more than reading.
#pragma once

#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "profile/frame_table.hpp"

namespace xpu {

struct FilterOptions {
	std::vector<std::string> comms;
	std::vector<std::string> pids;
	std::vector<std::string> layers;  // "cpu", "offcpu", "gpu", "net"
	std::string grep;
	std::string exclude;
	std::string focus;
	bool any() const;
};

class StackFilter {
public:
	// Usage errors: a bad regular expression, an unknown layer, a pid that
	// is not a number.
	static Result<StackFilter> make(const FilterOptions &opts);

	// The part of `stack` to keep (all of it, or from the focus frame on);
	// empty when the stack is dropped. `frames` is the table the ids are in.
	std::span<const FrameId> apply(std::span<const FrameId> stack, const FrameTable &frames);

private:
	enum Bit : uint8_t {
		known = 1,
		grep_match = 2,
		exclude_match = 4,
		focus_match = 8,
		comm_match = 16,
		layer_offcpu = 32,  // on-CPU is the absence of a layer frame
		layer_gpu = 64,
		layer_net = 128,
	};
	uint8_t bits(FrameId id, const FrameTable &frames);

	FilterOptions opts_;
	std::optional<std::regex> grep_;
	std::optional<std::regex> exclude_;
	bool want_cpu_ = false, want_offcpu_ = false, want_gpu_ = false, want_net_ = false;
	std::vector<uint8_t> bits_;  // by FrameId
	std::vector<uint8_t> root_bits_;  // by FrameId, for the process frame: comm/pid match
};

}  // namespace xpu
