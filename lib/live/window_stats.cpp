#include "live/window_stats.hpp"

#include <algorithm>

#include "report/report_group.hpp"


namespace xpu {

LayerTotals layer_totals(const StackTree &tree)
{
	LayerTotals t;
	// report's layer rows: the first layer frame of a stack decides.
	for (const auto &row : group_stats(tree, GroupBy::layer)) {
		t.total += row.self;
		if (row.name.starts_with("offcpu"))
			t.offcpu += row.self;
		else if (row.name.starts_with("gpu"))
			t.gpu += row.self;
		else if (row.name.starts_with("net"))
			t.net += row.self;
		else
			t.oncpu += row.self;
	}
	return t;
}

LayerTotals layer_totals(const Profile &p) { return layer_totals(stack_tree(p)); }

std::vector<FunctionStats> top_functions(const StackTree &tree, size_t n)
{
	std::vector<FunctionStats> rows = function_stats(tree);
	auto by_self = [](const FunctionStats &a, const FunctionStats &b) {
		return a.self != b.self ? a.self > b.self : a.name < b.name;
	};
	if (n && n < rows.size()) {
		std::partial_sort(rows.begin(), rows.begin() + n, rows.end(), by_self);
		rows.resize(n);
	} else {
		std::sort(rows.begin(), rows.end(), by_self);
	}
	return rows;
}

}  // namespace xpu
