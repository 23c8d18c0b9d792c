#include "live/window_stats.hpp"

#include <algorithm>

#include "report/report_group.hpp"


namespace xpu {

LayerTotals layer_totals(const Profile &p)
{
	LayerTotals t;
	p.for_each([&](std::string_view stack, uint64_t w) {
		auto weight = static_cast<double>(w);
		t.total += weight;
		// report's rule: the first layer frame decides (a waker's stack
		// after an off-CPU frame does not move it).
		std::string layer;
		for (size_t start = 0; layer.empty() && start <= stack.size();) {
			size_t semi = std::min(stack.find(';', start), stack.size());
			layer = layer_of_frame(stack.substr(start, semi - start));
			start = semi + 1;
		}
		if (layer.starts_with("offcpu"))
			t.offcpu += weight;
		else if (layer.starts_with("gpu"))
			t.gpu += weight;
		else if (layer.starts_with("net"))
			t.net += weight;
		else
			t.oncpu += weight;
	});
	return t;
}

std::vector<FunctionStats> top_functions(const Profile &p, size_t n)
{
	std::vector<FunctionStats> rows = function_stats(stack_tree(p));
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
