#include "report/report_group.hpp"

#include <unordered_map>
#include <utility>

namespace xpu {

namespace {

// Rows by name, created on first use.
struct Rows {
	std::vector<FunctionStats> stats;
	std::unordered_map<std::string, size_t> index;
	size_t get(std::string_view name)
	{
		auto [it, added] = index.try_emplace(std::string(name), stats.size());
		if (added)
			stats.emplace_back().name = name;
		return it->second;
	}
};

bool is_pid(std::string_view s)
{
	if (s.empty())
		return false;
	for (char c : s)
		if (c < '0' || c > '9')
			return false;
	return true;
}

}  // namespace

std::optional<GroupBy> parse_group(std::string_view s)
{
	if (s == "symbol")
		return GroupBy::symbol;
	if (s == "dso")
		return GroupBy::dso;
	if (s == "comm")
		return GroupBy::comm;
	if (s == "pid")
		return GroupBy::pid;
	if (s == "layer")
		return GroupBy::layer;
	return std::nullopt;
}

const char *to_string(GroupBy g)
{
	switch (g) {
	case GroupBy::symbol:
		return "symbol";
	case GroupBy::dso:
		return "dso";
	case GroupBy::comm:
		return "comm";
	case GroupBy::pid:
		return "pid";
	case GroupBy::layer:
		return "layer";
	}
	return "symbol";
}

std::string frame_dso(std::string_view name, FrameKind kind)
{
	switch (kind) {
	case FrameKind::root:
		return "";
	case FrameKind::kernel:
		return "[kernel]";
	case FrameKind::off_cpu:
		return "[off-cpu]";
	case FrameKind::gpu:
		return "[gpu]";
	case FrameKind::net:
		return "[net]";
	case FrameKind::inlined:
	case FrameKind::user:
		break;
	}
	if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
		std::string_view inner = name.substr(1, name.size() - 2);
		// An unnamed frame in a known file: "[libfoo.so]", "[app]".
		if (inner.find_first_of(" :[]") == std::string_view::npos && inner != "unknown")
			return std::string(inner);
		return "[unknown]";
	}
	if (name == "--")  // the waker separator of off-CPU stacks
		return "";
	return "[user]";
}

std::string_view comm_of(std::string_view process_frame)
{
	size_t dash = process_frame.rfind('-');
	if (dash == std::string_view::npos || dash == 0 || !is_pid(process_frame.substr(dash + 1)))
		return process_frame;
	return process_frame.substr(0, dash);
}

std::string layer_of_frame(std::string_view name)
{
	if (name.starts_with("[off-cpu:")) {
		std::string_view state = name.substr(9);
		state = state.substr(0, state.find(']'));
		return "offcpu:" + std::string(state);
	}
	if (name.starts_with("[GPU_")) {
		std::string_view kind = name.substr(5);
		size_t end = kind.find(']');
		return "gpu:" + std::string(end == std::string_view::npos ? kind : kind.substr(0, end));
	}
	if (name.starts_with("[net:")) {  // "[net:send]PEER": net:send, in bytes
		std::string_view dir = name.substr(5);
		return "net:" + std::string(dir.substr(0, dir.find(']')));
	}
	return "";
}

std::vector<FunctionStats> group_stats(const StackTree &tree, GroupBy by)
{
	if (by == GroupBy::symbol)
		return function_stats(tree);
	Rows rows;
	// Answers per distinct frame name, not per node.
	std::vector<size_t> cache(tree.frames().size(), kNoRow - 1);
	auto cached = [&](StackTree::NodeId id, auto compute) {
		size_t &c = cache[tree.node(id).name];
		if (c == kNoRow - 1)
			c = compute();
		return c;
	};
	switch (by) {
	case GroupBy::dso:
		sum_rows(tree, rows.stats, [&](StackTree::NodeId id, size_t) -> size_t {
			if (tree.node(id).depth <= 1)
				return kNoRow;
			return cached(id, [&] {
				std::string d = frame_dso(tree.name(id), tree.kind(id));
				return d.empty() ? kNoRow : rows.get(d);
			});
		});
		break;
	case GroupBy::comm:
	case GroupBy::pid:
		sum_rows(tree, rows.stats, [&](StackTree::NodeId id, size_t parent) -> size_t {
			if (tree.node(id).depth != 1)
				return parent;
			std::string_view n = tree.name(id);
			return rows.get(by == GroupBy::comm ? comm_of(n) : n);
		});
		break;
	case GroupBy::layer:
		sum_rows(tree, rows.stats, [&](StackTree::NodeId id, size_t parent) -> size_t {
			if (tree.node(id).depth == 1)
				return rows.get("cpu");
			std::string l = layer_of_frame(tree.name(id));
			// The first layer marker of a stack decides; later ones (a
			// waker's stack) do not move it.
			if (l.empty() || rows.stats[parent].name != "cpu")
				return parent;
			return rows.get(l);
		});
		// Totals: every stack is in one layer, so a layer's total is its
		// self; "cpu" is on every path, so it may be there with nothing.
		for (auto &r : rows.stats)
			r.total = r.self;
		std::erase_if(rows.stats, [](const FunctionStats &r) { return !(r.self > 0); });
		break;
	case GroupBy::symbol:
		break;
	}
	return std::move(rows.stats);
}

}  // namespace xpu
