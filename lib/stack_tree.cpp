#include "stack_tree.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
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
	nodes_[root_id].name = frames_.intern("all");
}

FrameKind StackTree::kind(NodeId id) const
{
	return classify_frame(name(id), nodes_[id].depth <= 1);
}

StackTree::NodeId StackTree::find_child(NodeId parent, FrameId name) const
{
	return child_of_.find(static_cast<uint64_t>(parent) << 32 | name, no_node);
}

StackTree::NodeId StackTree::child(NodeId parent, FrameId name)
{
	bool added = false;
	NodeId id = child_of_.find_or_insert(static_cast<uint64_t>(parent) << 32 | name,
					     static_cast<NodeId>(nodes_.size()), added);
	if (!added)
		return id;
	uint32_t depth = nodes_[parent].depth + 1;
	Node &n = nodes_.emplace_back();
	n.name = name;
	n.parent = parent;
	n.depth = depth;
	max_depth_ = std::max(max_depth_, depth);
	sorted_ = false;
	return id;
}

void StackTree::sort_children() const
{
	if (sorted_)
		return;
	// Logically const: the child lists are part of what the tree is, only
	// built late. Counting sort by parent, then each run by name.
	auto &nodes = const_cast<Nodes &>(nodes_);
	size_t n = nodes.size();
	std::vector<uint32_t> start(n + 1, 0);
	for (size_t id = 1; id < n; ++id)
		++start[nodes[id].parent + 1];
	for (size_t i = 1; i <= n; ++i)
		start[i] += start[i - 1];
	child_lists_.assign(n > 0 ? n - 1 : 0, 0);
	std::vector<uint32_t> fill(start.begin(), start.end() - 1);
	for (size_t id = 1; id < n; ++id)
		child_lists_[fill[nodes[id].parent]++] = static_cast<NodeId>(id);
	for (size_t id = 0; id < n; ++id) {
		NodeId *first = child_lists_.data() + start[id];
		size_t count = start[id + 1] - start[id];
		std::sort(first, first + count, [&](NodeId a, NodeId b) {
			return frames_.name(nodes[a].name) < frames_.name(nodes[b].name);
		});
		nodes[id].children = std::span<const NodeId>(first, count);
	}
	sorted_ = true;
}

void StackTree::add(std::string_view folded_stack, double weight)
{
	if (!(weight > 0))
		return;
	split_.clear();
	size_t pos = 0;
	while (!folded_stack.empty() && pos <= folded_stack.size()) {
		size_t end = folded_stack.find(';', pos);
		if (end == std::string_view::npos)
			end = folded_stack.size();
		split_.push_back(frames_.intern(folded_stack.substr(pos, end - pos)));
		pos = end + 1;
	}
	add(std::span<const FrameId>(split_), weight);
}

void StackTree::add(std::span<const FrameId> stack, double weight)
{
	if (!(weight > 0))
		return;
	NodeId id = root_id;
	nodes_[id].total += weight;
	for (FrameId f : stack) {
		id = child(id, f);
		nodes_[id].total += weight;
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
	constexpr size_t no_row = SIZE_MAX;
	std::vector<size_t> row_of(tree.frames().size(), no_row);  // by FrameId
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
		size_t &row = row_of[k.name];
		if (row == no_row) {
			row = out.size();
			out.emplace_back().name = tree.name(kid);
			on_path.push_back(0);
		}
		out[row].self += k.self;
		if (on_path[row]++ == 0)  // outermost occurrence: its subtree holds them all
			out[row].total += k.total;
		rows.push_back(row);
		path.emplace_back(kid, 0);
	}
	return out;
}

void for_each_stack(const StackTree &tree,
		    const std::function<void(std::span<const StackTree::NodeId>, double)> &fn)
{
	std::vector<StackTree::NodeId> path;
	std::vector<size_t> next{0};  // per level: the next child to visit
	StackTree::NodeId id = StackTree::root_id;
	while (true) {
		const auto &n = tree.node(id);
		size_t &i = next.back();
		if (i < n.children.size()) {
			id = n.children[i++];
			path.push_back(id);
			next.push_back(0);
			if (tree.node(id).self > 0)
				fn(path, tree.node(id).self);
			continue;
		}
		next.pop_back();
		if (path.empty())
			break;
		path.pop_back();
		id = path.empty() ? StackTree::root_id : path.back();
	}
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
