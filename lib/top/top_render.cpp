#include "top/top_render.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace xpu {

namespace {

std::string fit(std::string s, int cols)
{
	if (cols > 0 && static_cast<int>(s.size()) > cols)
		s.resize(static_cast<size_t>(cols));
	return s;
}

std::string pct(double part, double whole)
{
	return whole > 0 ? fmt::format("{:6.2f}%", 100 * part / whole) : "    -  ";
}

// A stack is too long for a row: keep its leaf end, where the time is.
std::string row_name(const TopRow &r, TopSort sort, int width)
{
	if (sort != TopSort::stack || width <= 3 || static_cast<int>(r.name.size()) <= width)
		return r.name;
	return "..." + r.name.substr(r.name.size() - static_cast<size_t>(width - 3));
}

const char *name_title(TopSort s)
{
	switch (s) {
	case TopSort::symbol:
	case TopSort::total: return "Function";
	case TopSort::dso: return "Library (on-CPU leaf)";
	case TopSort::comm: return "Command";
	case TopSort::pid: return "PID Command";
	case TopSort::stack: return "Stack";
	}
	return "";
}

constexpr const char kColumns[] = "  Self%   Total%  Samples  Decayed  ";

std::string row_line(const TopRow &r, double window_total, TopSort sort, int cols)
{
	std::string head = fmt::format("{} {} {:>8} {:>7.2f}%  ", pct(r.self, window_total),
				       pct(r.total, window_total), fmt::format("{:.0f}", r.self),
				       100 * r.decayed);
	int room = cols - static_cast<int>(head.size());
	return fit(head + row_name(r, sort, room), cols);
}

}  // namespace

std::vector<std::string> top_header_lines(const TopModel &m, const TopView &view,
					  const TopHeader &h)
{
	const LayerTotals &w = m.window_totals();
	std::string state = view.paused ? "  [paused]" : "";
	if (!view.filter.empty())
		state += fmt::format("  filter: {}", view.filter);
	std::string l1 = fmt::format("xpu-perf top  {} Hz {}  {}  sort: {}  {:.0f} s{}", h.freq,
				     h.event, h.target, to_string(view.sort), h.session_s, state);
	std::string l2 = fmt::format("last {:.1f} s: on-CPU {:.0f} samples", h.window_s, w.oncpu);
	if (h.offcpu)
		l2 += fmt::format(", off-CPU {:.2f} s", w.offcpu / h.freq);
	if (w.gpu > 0)
		l2 += fmt::format(", GPU {:.2f} s", w.gpu / h.freq);
	if (w.net > 0)  // its rows' weights are bytes
		l2 += fmt::format(", net {:.0f} bytes", w.net);
	l2 += fmt::format("  |  lost {}  stacks {}", h.lost, m.session_stacks());
	return {l1, l2};
}

std::string render_top_batch(const TopModel &m, const TopView &view, const TopHeader &h,
			     size_t max_rows)
{
	std::string out;
	for (const auto &l : top_header_lines(m, view, h))
		out += l + "\n";
	out += std::string(kColumns) + name_title(view.sort) + "\n";
	auto rows = m.rows(view.sort, view.filter);
	double total = m.window_totals().total;
	for (size_t i = 0; i < rows.size() && i < max_rows; i++)
		out += row_line(rows[i], total, view.sort, 0) + "\n";
	return out;
}

namespace {

std::string relations_screen(const TopModel &m, const TopView &view, const TopHeader &h, int rows,
			     int cols)
{
	TopRelations r = m.relations(view.expanded_name);
	std::vector<std::string> lines = top_header_lines(m, view, h);
	lines.push_back("");
	lines.push_back(fit(fmt::format("{}: self {} total {} of the session", r.function,
					pct(r.self, r.session), pct(r.total, r.session)),
			    cols));
	size_t room = static_cast<size_t>(std::max(rows - 8, 2));
	size_t each = std::max<size_t>(room / 2, 1);
	auto list = [&](const char *title, const auto &items) {
		lines.push_back("");
		lines.push_back(fmt::format("{} ({}):", title, items.size()));
		for (size_t i = 0; i < items.size() && i < each; i++)
			lines.push_back(fit(fmt::format("  {}  {}", pct(items[i].second, r.total),
							items[i].first),
					    cols));
	};
	list("Callers", r.callers);
	list("Callees", r.callees);
	while (static_cast<int>(lines.size()) < rows - 1)
		lines.push_back("");
	lines.push_back(fit("Esc/Enter/Left back  q quit  p pause", cols));
	std::string out;
	for (size_t i = 0; i < lines.size(); i++)
		out += (i ? "\n" : "") + lines[i];
	return out;
}

}  // namespace

std::string render_top_screen(const TopModel &m, TopView &view, const TopHeader &h, int rows,
			      int cols)
{
	if (view.expanded)
		return relations_screen(m, view, h, rows, cols);
	std::vector<std::string> lines;
	for (const auto &l : top_header_lines(m, view, h))
		lines.push_back(fit(l, cols));
	lines.push_back("");
	lines.push_back(fit(std::string(kColumns) + name_title(view.sort), cols));
	auto table = m.rows(view.sort, view.filter);
	size_t room = static_cast<size_t>(std::max(rows - static_cast<int>(lines.size()) - 1, 1));
	if (!table.empty())
		view.selected = std::min(view.selected, table.size() - 1);
	else
		view.selected = 0;
	if (view.selected < view.scroll)
		view.scroll = view.selected;
	if (view.selected >= view.scroll + room)
		view.scroll = view.selected - room + 1;
	double total = m.window_totals().total;
	for (size_t i = view.scroll; i < table.size() && i < view.scroll + room; i++) {
		std::string line = row_line(table[i], total, view.sort, cols);
		if (i == view.selected)  // reverse video
			line = "\x1b[7m" + line + std::string(cols - std::min<int>(cols, line.size()), ' ') +
			       "\x1b[0m";
		lines.push_back(line);
	}
	if (table.empty())
		lines.push_back(view.filter.empty() ? "  (no samples yet)" : "  (nothing matches the filter)");
	while (static_cast<int>(lines.size()) < rows - 1)
		lines.push_back("");
	if (view.editing)
		lines.push_back(fit("filter: " + view.edit + "_   (Enter apply, Esc cancel)", cols));
	else
		lines.push_back(fit("q quit  p pause  s sort  / filter  Up/Down move  Enter callers/callees",
				    cols));
	std::string out;
	for (size_t i = 0; i < lines.size(); i++)
		out += (i ? "\n" : "") + lines[i];
	return out;
}

}  // namespace xpu
