// --call-graph, defined once: each mode's name (the flag's value, perf's
// names), its enum and the BPF unwinder's `unwind_mode` value. The CLI's
// choices, the completion script (made from those choices), the man page
// test and the BPF setup all read kCallGraphModes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/unwind.h"

namespace xpu {

// How user stacks are walked; the values are bpf/unwind.h's, so the enum is
// what the kernel side reads.
enum class CallGraph : __u32 {
	fp = XPU_UNWIND_FP,           // frame pointers only
	dwarf = XPU_UNWIND_DWARF,     // .eh_frame tables only
	automatic = XPU_UNWIND_AUTO,  // tables where loaded, frame pointers elsewhere
};

struct CallGraphMode {
	CallGraph mode;
	std::string_view name;
};

// In the order the help and the completion list them.
inline constexpr CallGraphMode kCallGraphModes[] = {
	{CallGraph::fp, "fp"},
	{CallGraph::dwarf, "dwarf"},
	{CallGraph::automatic, "auto"},
};

std::optional<CallGraph> call_graph_from_name(std::string_view name);
std::string_view call_graph_name(CallGraph mode);
std::vector<std::string> call_graph_names();
// The value of bpf/unwind.bpf.h's `unwind_mode` knob.
constexpr __u32 bpf_unwind_mode(CallGraph mode) { return static_cast<__u32>(mode); }

}  // namespace xpu
