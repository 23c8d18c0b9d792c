// What one window of a live view (or a whole profile) holds, as numbers a
// header line or a JSON object can show: its weight split by layer and its
// top functions. A stack's layer is that of its first "[off-cpu:S]" or
// "[GPU_..." frame, as report's --sort layer has it (report_group.hpp);
// stacks with neither are on-CPU samples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "profile/profile.hpp"
#include "profile/stack_tree.hpp"

namespace xpu {

struct LayerTotals {
	double total = 0;
	double oncpu = 0;
	double offcpu = 0;
	double gpu = 0;
	double net = 0;  // bytes (record --net), not samples
};

// From the window's tree, where the caller has one for its other views too.
LayerTotals layer_totals(const StackTree &tree);
LayerTotals layer_totals(const Profile &p);

// The `n` functions with the most self weight (ties: by name), with their
// total (inclusive) weight; n = 0 for all.
std::vector<FunctionStats> top_functions(const StackTree &tree, size_t n);

}  // namespace xpu
