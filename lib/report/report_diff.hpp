// Two profiles compared, as difffolded.pl + flamegraph.pl do, but by share:
// each profile's weights are taken as percentages of its own total, so a
// longer second run does not look like growth everywhere. A function's
// delta is its share in NEW minus its share in BASE, in percentage points
// (pp); a flame-graph frame's delta is the same for its call path.
#pragma once

#include <string>
#include <vector>

#include "profile/stack_tree.hpp"
#include "output/writer_table.hpp"

namespace xpu {

struct DiffRow {
	std::string name;
	double base_self = 0, new_self = 0;    // % of each profile's total
	double base_total = 0, new_total = 0;  // %
	double self_delta() const { return new_self - base_self; }
	double total_delta() const { return new_total - base_total; }
};

// Every function of either profile.
std::vector<DiffRow> diff_rows(const StackTree &base, const StackTree &neu);

struct DiffInputs {
	std::string base_name, new_name;  // for the header
};

// The functions whose share moved most (|delta| of the sort key), largest
// first, then by name; percent_limit leaves out |delta| under it (pp). The
// human table:
//
//   # base: 12 samples in 6 stacks (a.folded); new: 20 samples in 7 stacks (b.folded)
//   # 11 functions; top 20 by self change, percentage points of each total
//   #
//   #        Self%                   Total%
//   #   Base      New    Delta    Base      New    Delta  Function
//      75.00    60.00   -15.00   83.33    70.00   -13.33  spin
std::string format_diff_table(const StackTree &base, const StackTree &neu,
			      const TableOptions &opts, const DiffInputs &in);

// Per node of `neu`: its total share minus the share of the same call path
// in `base` (0 where base has none), in percentage points.
std::vector<double> node_deltas(const StackTree &base, const StackTree &neu);

}  // namespace xpu
