// The rows of the report table: the profile summed by function name, or
// grouped coarser: by library (dso), by process (comm, pid) or by layer
// (on-CPU, off-CPU by state, GPU by kind). Each row has a self weight (the
// stacks that end in it) and a total (the stacks that pass through it at
// least once).
//
// What the folded format lets us know, and so what the groups are:
//   dso    record writes no library name into a named frame today, so a
//          frame's dso is derived from its name: "_[k]" -> [kernel],
//          "[off-cpu:S]" -> [off-cpu], "[GPU_...]" -> [gpu], "[net:...]" -> [net], an unnamed
//          frame "[libfoo.so]" -> libfoo.so, "[unknown]" and other
//          "[...]" markers -> [unknown], any other (named) frame -> [user].
//          The process frame belongs to none.
//   comm   the process frame (the first), less a "-PID" suffix
//   pid    the process frame as written: "comm-PID" with record
//          --pid-prefix, else the comm alone
//   layer  cpu, offcpu:STATE (from "[off-cpu:STATE]"), gpu:KIND (from
//          "[GPU_KIND]name") or net:DIR (from "[net:DIR]peer", in bytes),
//          by the first such frame of the stack;
//          self and total are equal (every stack is in one layer)
// For comm, pid and layer self equals total.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/stack_tree.hpp"

namespace xpu {

enum class GroupBy { symbol, dso, comm, pid, layer };

std::optional<GroupBy> parse_group(std::string_view s);
const char *to_string(GroupBy g);

std::vector<FunctionStats> group_stats(const StackTree &tree, GroupBy by);

// The derived library of one frame (see above); empty for none.
std::string frame_dso(std::string_view name, FrameKind kind);
// "comm-1234" -> "comm"; a name without a numeric "-PID" suffix is returned whole.
std::string_view comm_of(std::string_view process_frame);
// "[off-cpu:S]" -> "offcpu:S", "[GPU_Kernel]vec_add" -> "gpu:Kernel"; empty for
// any other frame.
std::string layer_of_frame(std::string_view name);

}  // namespace xpu
