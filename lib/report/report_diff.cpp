#include "report/report_diff.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <unordered_map>

#include <fmt/format.h>

namespace xpu {

namespace {

double pct(double part, double whole) { return whole > 0 ? 100 * part / whole : 0.0; }

double key(const DiffRow &r, TableSort by)
{
	return std::fabs(by == TableSort::self ? r.self_delta() : r.total_delta());
}

std::string plural(size_t n, const char *word)
{
	return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// "+1.25", "-0.50", "0.00"
std::string signed_pp(double v)
{
	if (std::fabs(v) < 0.005)
		return "0.00";
	return fmt::format("{:+.2f}", v);
}

std::string human(const StackTree &base, const StackTree &neu, const TableOptions &opts,
		  const DiffInputs &in, const std::vector<DiffRow> &rows, size_t shown)
{
	std::string out;
	auto it = std::back_inserter(out);
	fmt::format_to(it, "# base: {} {} in {} ({}); new: {} {} in {} ({})\n",
		       format_weight(base.total()), opts.unit, plural(base.stacks(), "stack"),
		       in.base_name, format_weight(neu.total()), opts.unit,
		       plural(neu.stacks(), "stack"), in.new_name);
	const char *k = opts.sort == TableSort::self ? "self" : "total";
	if (shown < rows.size())
		fmt::format_to(it, "# {}; top {} by {} change", plural(rows.size(), "function"),
			       shown, k);
	else
		fmt::format_to(it, "# {}; sorted by {} change", plural(rows.size(), "function"), k);
	out += ", in percentage points of each profile's total\n#\n";
	out += "#        Self%                     Total%\n";
	fmt::format_to(it, "#{:>7}{:>9}{:>9}{:>9}{:>9}{:>9}  Function\n", "Base", "New", "Delta",
		       "Base", "New", "Delta");
	for (size_t i = 0; i < shown; ++i) {
		const auto &r = rows[i];
		fmt::format_to(it, "{:>8.2f}{:>9.2f}{:>9}{:>9.2f}{:>9.2f}{:>9}  {}\n", r.base_self,
			       r.new_self, signed_pp(r.self_delta()), r.base_total, r.new_total,
			       signed_pp(r.total_delta()), r.name);
	}
	return out;
}

std::string csv(const std::vector<DiffRow> &rows, size_t shown)
{
	std::string out = "name,base_self_percent,new_self_percent,self_delta,"
			  "base_total_percent,new_total_percent,total_delta\n";
	auto it = std::back_inserter(out);
	for (size_t i = 0; i < shown; ++i) {
		const auto &r = rows[i];
		fmt::format_to(it, "{},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f}\n",
			       csv_field(r.name), r.base_self, r.new_self, r.self_delta(),
			       r.base_total, r.new_total, r.total_delta());
	}
	return out;
}

std::string json(const StackTree &base, const StackTree &neu, const TableOptions &opts,
		 const std::vector<DiffRow> &rows, size_t shown)
{
	std::string out;
	auto it = std::back_inserter(out);
	fmt::format_to(it,
		       "{{\"unit\":{},\"base_total\":{},\"new_total\":{},\"sort\":\"{}\","
		       "\"rows\":[",
		       json_string(opts.unit), exact_number(base.total()),
		       exact_number(neu.total()), opts.sort == TableSort::self ? "self" : "total");
	for (size_t i = 0; i < shown; ++i) {
		const auto &r = rows[i];
		fmt::format_to(it,
			       "{}\n{{\"name\":{},\"base_self_percent\":{:.4f},"
			       "\"new_self_percent\":{:.4f},\"self_delta\":{:.4f},"
			       "\"base_total_percent\":{:.4f},\"new_total_percent\":{:.4f},"
			       "\"total_delta\":{:.4f}}}",
			       i ? "," : "", json_string(r.name), r.base_self, r.new_self,
			       r.self_delta(), r.base_total, r.new_total, r.total_delta());
	}
	out += "]}\n";
	return out;
}

}  // namespace

std::vector<DiffRow> diff_rows(const StackTree &base, const StackTree &neu)
{
	std::vector<DiffRow> rows;
	std::unordered_map<std::string, size_t> index;
	auto row = [&](const std::string &name) -> DiffRow & {
		auto [it, added] = index.try_emplace(name, rows.size());
		if (added)
			rows.emplace_back().name = name;
		return rows[it->second];
	};
	for (const auto &f : function_stats(base)) {
		DiffRow &r = row(f.name);
		r.base_self = pct(f.self, base.total());
		r.base_total = pct(f.total, base.total());
	}
	for (const auto &f : function_stats(neu)) {
		DiffRow &r = row(f.name);
		r.new_self = pct(f.self, neu.total());
		r.new_total = pct(f.total, neu.total());
	}
	return rows;
}

std::string format_diff_table(const StackTree &base, const StackTree &neu,
			      const TableOptions &opts, const DiffInputs &in)
{
	std::vector<DiffRow> rows = diff_rows(base, neu);
	TableSort by = opts.sort;
	std::sort(rows.begin(), rows.end(), [by](const DiffRow &a, const DiffRow &b) {
		double ka = key(a, by), kb = key(b, by);
		if (ka != kb)
			return ka > kb;
		TableSort other = by == TableSort::self ? TableSort::total : TableSort::self;
		double oa = key(a, other), ob = key(b, other);
		if (oa != ob)
			return oa > ob;
		return a.name < b.name;
	});
	size_t kept = rows.size();
	if (opts.percent_limit > 0)
		while (kept > 0 && key(rows[kept - 1], by) < opts.percent_limit)
			--kept;
	size_t shown = opts.top == 0 ? kept : std::min(opts.top, kept);
	switch (opts.format) {
	case TableFormat::csv:
		return csv(rows, shown);
	case TableFormat::json:
		return json(base, neu, opts, rows, shown);
	case TableFormat::human:
		break;
	}
	return human(base, neu, opts, in, rows, shown);
}

std::vector<double> node_deltas(const StackTree &base, const StackTree &neu)
{
	std::vector<double> delta(neu.size(), 0);
	std::vector<StackTree::NodeId> match(neu.size(), StackTree::no_node);
	match[StackTree::root_id] = StackTree::root_id;
	// Nodes are created after their parents, so one pass in id order sees
	// every parent's match first.
	// Names are looked up in base once per distinct name, not per node.
	constexpr FrameId unknown = FrameTable::none() - 1;
	std::vector<FrameId> in_base(neu.frames().size(), unknown);
	for (StackTree::NodeId id = 0; id < neu.size(); ++id) {
		const auto &n = neu.node(id);
		if (id != StackTree::root_id && match[n.parent] != StackTree::no_node) {
			FrameId &name = in_base[n.name];
			if (name == unknown)
				name = base.frames().find(neu.name(id));
			if (name != FrameTable::none())
				match[id] = base.find_child(match[n.parent], name);
		}
		double b = match[id] == StackTree::no_node ? 0 : base.node(match[id]).total;
		delta[id] = pct(n.total, neu.total()) - pct(b, base.total());
	}
	return delta;
}

}  // namespace xpu
