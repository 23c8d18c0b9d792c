// The perf-report-like table: the functions that cost the most, one per
// line, with their self and total weight as shares of the profile.
//
//   # 12 samples in 6 stacks, 10 functions; top 2 by self
//   #
//   #   Self%   Total%   Self  Total  Function
//      75.00%   83.33%      9     10  spin
//       8.33%  100.00%      1     12  main
#pragma once

#include <cstddef>
#include <string>

#include "stack_tree.hpp"

namespace xpu {

enum class TableSort { self, total };

struct TableOptions {
	size_t top = 20;  // rows; 0 = all
	TableSort sort = TableSort::self;
	std::string unit = "samples";
};

// Rows are ordered by the sort key, then by the other one, then by name, so
// the table is the same for the same stacks.
std::string format_table(const StackTree &tree, const TableOptions &opts);

}  // namespace xpu
