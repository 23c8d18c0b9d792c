#include "writer_table.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace xpu {

namespace {

void sort_rows(std::vector<FunctionStats> &rows, TableSort by)
{
	std::sort(rows.begin(), rows.end(), [by](const FunctionStats &a, const FunctionStats &b) {
		double ka = by == TableSort::self ? a.self : a.total;
		double kb = by == TableSort::self ? b.self : b.total;
		if (ka != kb)
			return ka > kb;
		double ta = by == TableSort::self ? a.total : a.self;
		double tb = by == TableSort::self ? b.total : b.self;
		if (ta != tb)
			return ta > tb;
		return a.name < b.name;
	});
}

std::string plural(size_t n, const char *word)
{
	return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::string share(double part, double whole)
{
	return fmt::format("{:.2f}%", whole > 0 ? 100 * part / whole : 0.0);
}

}  // namespace

std::string format_table(const StackTree &tree, const TableOptions &opts)
{
	std::vector<FunctionStats> rows = function_stats(tree);
	sort_rows(rows, opts.sort);
	size_t shown = opts.top == 0 ? rows.size() : std::min(opts.top, rows.size());
	const char *key = opts.sort == TableSort::self ? "self" : "total";

	std::string out;
	auto it = std::back_inserter(out);
	fmt::format_to(it, "# {} {} in {}, {}; ", format_weight(tree.total()), opts.unit,
		       plural(tree.stacks(), "stack"), plural(rows.size(), "function"));
	if (shown < rows.size())
		fmt::format_to(it, "top {} by {}\n#\n", shown, key);
	else
		fmt::format_to(it, "sorted by {}\n#\n", key);

	size_t w = 5;  // "Total"
	for (size_t i = 0; i < shown; ++i)
		w = std::max({w, format_weight(rows[i].self).size(),
			      format_weight(rows[i].total).size()});
	fmt::format_to(it, "#{:>8}{:>9}  {:>{}}  {:>{}}  Function\n", "Self%", "Total%", "Self", w,
		       "Total", w);
	for (size_t i = 0; i < shown; ++i) {
		const auto &r = rows[i];
		fmt::format_to(it, "{:>9}{:>9}  {:>{}}  {:>{}}  {}\n", share(r.self, tree.total()),
			       share(r.total, tree.total()), format_weight(r.self), w,
			       format_weight(r.total), w, r.name);
	}
	return out;
}

}  // namespace xpu
