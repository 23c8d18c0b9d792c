#include "top/top_model.hpp"

#include <algorithm>
#include <cctype>

#include "report/report_group.hpp"

namespace xpu {

namespace {

constexpr TopSort kSortCycle[] = {TopSort::symbol, TopSort::total, TopSort::dso,
				  TopSort::comm,   TopSort::pid,   TopSort::stack};

// Frames of a folded stack, root first.
std::vector<std::string_view> frames_of(std::string_view stack)
{
	std::vector<std::string_view> out;
	size_t start = 0;
	while (true) {
		size_t semi = stack.find(';', start);
		out.push_back(stack.substr(start, semi - start));
		if (semi == std::string_view::npos)
			return out;
		start = semi + 1;
	}
}

bool contains_nocase(std::string_view hay, std::string_view needle)
{
	auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
		return std::tolower(static_cast<unsigned char>(a)) ==
		       std::tolower(static_cast<unsigned char>(b));
	});
	return it != hay.end();
}

void sort_desc(std::vector<std::pair<std::string, double>> &v)
{
	std::sort(v.begin(), v.end(), [](const auto &a, const auto &b) {
		return a.second != b.second ? a.second > b.second : a.first < b.first;
	});
}

}  // namespace

const char *to_string(TopSort s)
{
	switch (s) {
	case TopSort::symbol: return "symbol";
	case TopSort::total: return "total";
	case TopSort::dso: return "dso";
	case TopSort::comm: return "comm";
	case TopSort::pid: return "pid";
	case TopSort::stack: return "stack";
	}
	return "?";
}

TopSort next_sort(TopSort s)
{
	auto it = std::find(std::begin(kSortCycle), std::end(kSortCycle), s);
	return ++it == std::end(kSortCycle) ? kSortCycle[0] : *it;
}

bool parse_top_sort(std::string_view name, TopSort &out)
{
	for (TopSort s : kSortCycle) {
		if (name == to_string(s)) {
			out = s;
			return true;
		}
	}
	return false;
}

std::pair<std::string, std::string> split_process_frame(std::string_view frame)
{
	std::string_view comm = comm_of(frame);  // report's rule for "-PID"
	std::string_view pid = comm.size() < frame.size() ? frame.substr(comm.size() + 1) : "";
	return {std::string(comm), std::string(pid)};
}

void TopModel::age(Table &t)
{
	for (auto it = t.begin(); it != t.end();) {
		Cell &c = it->second;
		c.self = c.total = 0;
		c.dself *= decay_;
		c.dtotal *= decay_;
		// Forgotten once it would not show as 0.01% of a busy profile.
		if (c.dtotal < 1e-3 && c.dself < 1e-3)
			it = t.erase(it);
		else
			++it;
	}
}

void TopModel::add_window(const Profile &window, const std::map<std::string, double> &modules)
{
	windows_++;
	for (auto &[sort, table] : tables_)
		age(table);
	// Functions and processes are grouped as report groups them
	// (report_group.hpp); top's functions leave the process frame out.
	StackTree tree = stack_tree(window);
	auto add_rows = [](Table &table, const std::vector<FunctionStats> &rows, auto name_of) {
		for (const auto &r : rows) {
			Cell &cell = table[name_of(r.name)];
			cell.self += r.self;
			cell.total += r.total;
		}
	};
	auto as_is = [](const std::string &name) { return name; };
	add_rows(tables_[TopSort::symbol], function_stats(tree, false), as_is);
	add_rows(tables_[TopSort::comm], group_stats(tree, GroupBy::comm), as_is);
	add_rows(tables_[TopSort::pid], group_stats(tree, GroupBy::pid), [](const std::string &frame) {
		auto [comm, pid] = split_process_frame(frame);
		return pid.empty() ? comm : pid + " " + comm;
	});
	Table &stack = tables_[TopSort::stack];
	window.for_each([&](std::string_view folded, uint64_t w) {
		Cell &whole = stack[std::string(folded)];
		whole.self += static_cast<double>(w);
		whole.total += static_cast<double>(w);
	});
	session_.merge(window);
	Table &dso = tables_[TopSort::dso];
	for (const auto &[module, weight] : modules) {
		dso[module].self += weight;
		dso[module].total += weight;
	}
	for (auto &[sort, table] : tables_) {
		for (auto &[name, cell] : table) {
			cell.dself += cell.self;
			cell.dtotal += cell.total;
		}
	}
	window_totals_ = layer_totals(tree);
	session_totals_.total += window_totals_.total;
	session_totals_.oncpu += window_totals_.oncpu;
	session_totals_.offcpu += window_totals_.offcpu;
	session_totals_.gpu += window_totals_.gpu;
	session_totals_.net += window_totals_.net;
}

std::vector<TopRow> TopModel::rows(TopSort sort, const std::string &filter) const
{
	// `total` ranks the same functions by their inclusive weight.
	TopSort table_key = sort == TopSort::total ? TopSort::symbol : sort;
	auto it = tables_.find(table_key);
	if (it == tables_.end())
		return {};
	bool by_total = sort == TopSort::total;
	double sum = 0;
	for (const auto &[name, c] : it->second)
		sum += c.dself;  // leaves partition the weight, whatever the table
	std::vector<TopRow> out;
	for (const auto &[name, c] : it->second) {
		if (!filter.empty() && !contains_nocase(name, filter))
			continue;
		double d = by_total ? c.dtotal : c.dself;
		if (d <= 0 && c.total <= 0)
			continue;
		out.push_back({name, c.self, c.total, sum > 0 ? d / sum : 0});
	}
	std::sort(out.begin(), out.end(), [](const TopRow &a, const TopRow &b) {
		return a.decayed != b.decayed ? a.decayed > b.decayed : a.name < b.name;
	});
	return out;
}

TopRelations TopModel::relations(const std::string &function) const
{
	TopRelations r;
	r.function = function;
	r.session = static_cast<double>(session_.total());
	std::map<std::string, double> callers, callees;
	session_.for_each([&](std::string_view folded, uint64_t w) {
		auto frames = frames_of(folded);
		auto weight = static_cast<double>(w);
		bool through = false;
		for (size_t i = 1; i < frames.size(); i++) {
			if (frames[i] != function)
				continue;
			through = true;
			callers[std::string(i > 1 ? frames[i - 1] : frames[0])] += weight;
			if (i + 1 < frames.size())
				callees[std::string(frames[i + 1])] += weight;
		}
		if (through)
			r.total += weight;
		if (frames.size() > 1 && frames.back() == function)
			r.self += weight;
	});
	r.callers.assign(callers.begin(), callers.end());
	r.callees.assign(callees.begin(), callees.end());
	sort_desc(r.callers);
	sort_desc(r.callees);
	return r;
}

}  // namespace xpu
