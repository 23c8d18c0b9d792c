// What one window of a live view (or a whole profile) holds, as numbers a
// header line or a JSON object can show: its weight split by layer and its
// top functions. Layers are told apart by the leaf frame's naming
// convention (profile_builder.hpp): "[off-cpu:S]" leaves are off-CPU time,
// "[GPU_..." frames GPU time, the rest on-CPU samples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "profile.hpp"
#include "stack_tree.hpp"

namespace xpu {

struct LayerTotals {
	double total = 0;
	double oncpu = 0;
	double offcpu = 0;
	double gpu = 0;
};

LayerTotals layer_totals(const Profile &p);

// The `n` functions with the most self weight (ties: by name), with their
// total (inclusive) weight; n = 0 for all.
std::vector<FunctionStats> top_functions(const Profile &p, size_t n);

}  // namespace xpu
