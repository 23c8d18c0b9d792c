#include "stack_tree.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

namespace xpu {

FrameKind classify_frame(std::string_view name, bool is_root)
{
	if (is_root)
		return FrameKind::root;
	if (name.starts_with("[off-cpu:"))
		return FrameKind::off_cpu;
	if (name.starts_with("[GPU_"))
		return FrameKind::gpu;
	if (name.ends_with("_[k]"))
		return FrameKind::kernel;
	if (name.ends_with("_[i]"))
		return FrameKind::inlined;
	return FrameKind::user;
}

const char *to_string(FrameKind k)
{
	switch (k) {
	case FrameKind::root:
		return "root";
	case FrameKind::user:
		return "user";
	case FrameKind::kernel:
		return "kernel";
	case FrameKind::inlined:
		return "inlined";
	case FrameKind::off_cpu:
		return "off-cpu";
	case FrameKind::gpu:
		return "gpu";
	}
	return "user";
}

StackTree::StackTree()
{
	nodes_.emplace_back();
	nodes_[root_id].name = "all";
}

FrameKind StackTree::kind(NodeId id) const
{
	return classify_frame(nodes_[id].name, nodes_[id].depth <= 1);
}

StackTree::NodeId StackTree::child(NodeId parent, std::string_view name)
{
	auto &kids = nodes_[parent].children;
	auto by_name = [&](NodeId id, std::string_view n) { return nodes_[id].name < n; };
	auto it = std::lower_bound(kids.begin(), kids.end(), name, by_name);
	if (it != kids.end() && nodes_[*it].name == name)
		return *it;
	auto id = static_cast<NodeId>(nodes_.size());
	uint32_t depth = nodes_[parent].depth + 1;
	kids.insert(it, id);  // before push_back: it points into nodes_[parent]
	Node &n = nodes_.emplace_back();
	n.name = name;
	n.parent = parent;
	n.depth = depth;
	max_depth_ = std::max(max_depth_, depth);
	return id;
}

void StackTree::add(std::string_view folded_stack, double weight)
{
	if (!(weight > 0))
		return;
	NodeId id = root_id;
	nodes_[id].total += weight;
	size_t pos = 0;
	while (!folded_stack.empty() && pos <= folded_stack.size()) {
		size_t end = folded_stack.find(';', pos);
		if (end == std::string_view::npos)
			end = folded_stack.size();
		id = child(id, folded_stack.substr(pos, end - pos));
		nodes_[id].total += weight;
		pos = end + 1;
	}
	Node &leaf = nodes_[id];
	leaf.self += weight;
	if (!leaf.stack_end) {
		leaf.stack_end = true;
		++stacks_;
	}
}

std::vector<FunctionStats> function_stats(const StackTree &tree)
{
	std::vector<FunctionStats> out;
	std::unordered_map<std::string_view, size_t> index;
	std::vector<uint32_t> on_path;  // per row: occurrences on the current path
	// Iterative depth-first walk: folded stacks can be thousands of frames deep.
	std::vector<std::pair<StackTree::NodeId, size_t>> path;  // node, next child
	path.emplace_back(StackTree::root_id, 0);
	std::vector<size_t> rows;  // row of each path entry except the root
	while (!path.empty()) {
		auto &[id, next] = path.back();
		const auto &n = tree.node(id);
		if (next == n.children.size()) {
			if (id != StackTree::root_id) {
				--on_path[rows.back()];
				rows.pop_back();
			}
			path.pop_back();
			continue;
		}
		StackTree::NodeId kid = n.children[next++];
		const auto &k = tree.node(kid);
		auto [it, added] = index.try_emplace(k.name, out.size());
		if (added) {
			out.emplace_back().name = k.name;
			on_path.push_back(0);
		}
		size_t row = it->second;
		out[row].self += k.self;
		if (on_path[row]++ == 0)  // outermost occurrence: its subtree holds them all
			out[row].total += k.total;
		rows.push_back(row);
		path.emplace_back(kid, 0);
	}
	return out;
}

std::string format_weight(double w)
{
	if (std::nearbyint(w) == w && std::fabs(w) < 1e15)
		return fmt::format("{:.0f}", w);
	std::string s = fmt::format("{:.2f}", w);
	while (s.back() == '0')
		s.pop_back();
	if (s.back() == '.')
		s.pop_back();
	return s;
}

}  // namespace xpu
