#include "profile/stack_tree.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <new>

#include <sys/mman.h>
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
	if (name.starts_with("[net:"))
		return FrameKind::net;
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
	case FrameKind::net:
		return "net";
	}
	return "user";
}

StackTree::Node &StackTree::Nodes::emplace_back()
{
	if ((size_ & mask) == 0) {
		constexpr size_t bytes = sizeof(Node) << shift;
		constexpr size_t huge = size_t{2} << 20;
		void *p = std::aligned_alloc(huge, (bytes + huge - 1) / huge * huge);
		if (!p)
			throw std::bad_alloc();  // as std::vector would
		madvise(p, bytes, MADV_HUGEPAGE);  // a hint: fine if refused
		chunks_.emplace_back(static_cast<Node *>(p));
	}
	Node *n = &(*this)[size_++];
	return *new (n) Node();
}

void StackTree::Nodes::Free::operator()(Node *p) const { std::free(p); }

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
	const Node &p = nodes_[parent];
	if (p.child_count > wide)
		return child_of_.find(static_cast<uint64_t>(parent) << 32 | name, no_node);
	for (NodeId k = p.first_child; k != 0; k = nodes_[k].next_sibling)
		if (nodes_[k].name == name)
			return k;
	return no_node;
}

StackTree::NodeId StackTree::child(NodeId parent, FrameId name)
{
	uint64_t key = static_cast<uint64_t>(parent) << 32 | name;
	auto next = static_cast<NodeId>(nodes_.size());
	Node &p = nodes_[parent];
	if (p.child_count > wide) {
		bool added = false;
		NodeId id = child_of_.find_or_insert(key, next, added);
		if (!added)
			return id;
	} else {
		for (NodeId k = p.first_child; k != 0; k = nodes_[k].next_sibling)
			if (nodes_[k].name == name)
				return k;
		if (p.child_count == wide) {  // becoming wide: index the children so far
			bool added = false;
			for (NodeId k = p.first_child; k != 0; k = nodes_[k].next_sibling)
				child_of_.find_or_insert(static_cast<uint64_t>(parent) << 32 |
								 nodes_[k].name,
							 k, added);
			child_of_.find_or_insert(key, next, added);
		}
	}
	uint32_t depth = p.depth + 1;
	// `p` stays valid across emplace_back: node chunks never move.
	Node &n = nodes_.emplace_back();
	n.name = name;
	n.parent = parent;
	n.depth = depth;
	n.next_sibling = p.first_child;
	p.first_child = next;
	++p.child_count;
	max_depth_ = std::max(max_depth_, depth);
	sorted_ = false;
	return next;
}

void StackTree::sort_children() const
{
	if (sorted_)
		return;
	// Logically const: the child lists are part of what the tree is, only
	// built late: each node's run in one array, from its sibling list, then
	// sorted by name.
	auto &nodes = const_cast<Nodes &>(nodes_);
	size_t n = nodes.size();
	child_lists_.resize(n > 0 ? n - 1 : 0);
	uint32_t pos = 0;
	for (size_t id = 0; id < n; ++id) {
		Node &node = nodes[id];
		node.child_begin = pos;
		pos += node.child_count;
		NodeId *first = child_lists_.data() + node.child_begin;
		size_t i = node.child_count;
		for (NodeId k = node.first_child; k != 0; k = nodes[k].next_sibling)
			first[--i] = k;  // the list is newest first
		if (node.child_count > 1)
			std::sort(first, first + node.child_count, [&](NodeId a, NodeId b) {
				return frames_.name(nodes[a].name) < frames_.name(nodes[b].name);
			});
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

void sum_rows(const StackTree &tree, std::vector<FunctionStats> &rows,
	      const std::function<size_t(StackTree::NodeId, size_t)> &row_of)
{
	std::vector<uint32_t> on_path;  // per row: its nodes on the current path
	struct Entry {
		StackTree::NodeId id;
		size_t next;  // the next child to visit
		size_t row;
	};
	// Iterative depth-first walk: folded stacks can be thousands of frames deep.
	std::vector<Entry> path{{StackTree::root_id, 0, kNoRow}};
	while (!path.empty()) {
		Entry &e = path.back();
		auto kids = tree.children(e.id);
		if (e.next == kids.size()) {
			if (e.row != kNoRow)
				--on_path[e.row];
			path.pop_back();
			continue;
		}
		StackTree::NodeId kid = kids[e.next++];
		size_t row = row_of(kid, e.row);
		if (row != kNoRow) {
			if (row >= on_path.size())
				on_path.resize(row + 1, 0);
			const auto &k = tree.node(kid);
			rows[row].self += k.self;
			if (on_path[row]++ == 0)  // outermost occurrence: its subtree holds them all
				rows[row].total += k.total;
		}
		path.push_back({kid, 0, row});
	}
}

std::vector<FunctionStats> function_stats(const StackTree &tree, bool with_process)
{
	std::vector<FunctionStats> out;
	std::vector<size_t> row_of(tree.frames().size(), kNoRow);  // by FrameId
	sum_rows(tree, out, [&](StackTree::NodeId id, size_t) {
		const auto &n = tree.node(id);
		if (n.depth == 1 && !with_process)
			return kNoRow;
		size_t &row = row_of[n.name];
		if (row == kNoRow) {
			row = out.size();
			out.emplace_back().name = tree.name(id);
		}
		return row;
	});
	return out;
}

void for_each_stack(const StackTree &tree,
		    const std::function<void(std::span<const StackTree::NodeId>, double)> &fn)
{
	std::vector<StackTree::NodeId> path;
	std::vector<size_t> next{0};  // per level: the next child to visit
	StackTree::NodeId id = StackTree::root_id;
	while (true) {
		auto kids = tree.children(id);
		size_t &i = next.back();
		if (i < kids.size()) {
			id = kids[i++];
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
