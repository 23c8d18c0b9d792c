#include "window_stats.hpp"

#include <algorithm>


namespace xpu {

namespace {

std::string_view leaf_of(std::string_view stack)
{
	size_t semi = stack.rfind(';');
	return semi == std::string_view::npos ? stack : stack.substr(semi + 1);
}

}  // namespace

LayerTotals layer_totals(const Profile &p)
{
	LayerTotals t;
	for (const auto &[stack, w] : p.stacks()) {
		auto weight = static_cast<double>(w);
		t.total += weight;
		if (leaf_of(stack).starts_with("[off-cpu:"))
			t.offcpu += weight;
		else if (stack.find(";[GPU_") != std::string::npos)
			t.gpu += weight;
		else
			t.oncpu += weight;
	}
	return t;
}

std::vector<FunctionStats> top_functions(const Profile &p, size_t n)
{
	StackTree tree;
	for (const auto &[stack, w] : p.stacks())
		tree.add(stack, static_cast<double>(w));
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
