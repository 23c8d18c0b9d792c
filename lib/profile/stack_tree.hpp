// The weighted stack tree: the profile as the tree views see it (report's
// tables, SVG, speedscope and pprof, live's JSON and HTTP views, diffs and
// gates). A node is one frame on one path from the root; its total is the
// weight of every stack passing through it and its self the weight of
// stacks ending at it. Weights are doubles because folded input may
// carry decimal weights (flamegraph.pl accepts them).
//
// Node 0 is a synthetic root ("all") above the first folded frame, which by
// xpu-perf's convention is the process name. Children are seen in byte order
// of their names, as flamegraph.pl lays them out, so every view built from
// the same stacks is identical whatever order the stacks came in.
//
// Frame names are interned (frame_table.hpp): a node holds a FrameId, and
// memory grows with distinct call paths and names, not with input lines
// (48 bytes a node, 4 more for the sorted child lists). While stacks
// are added, a node's children are found by walking its sibling list when it
// has a few, and through one flat hash map, which holds only the children of
// wide nodes, when it has more: most nodes of a large profile have one or two
// children, and a map over all of them would be the largest and slowest
// structure of all. The sorted child lists are built once, when a view asks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/flat_hash.hpp"
#include "profile/frame_table.hpp"

namespace xpu {

// What a frame is, from the naming conventions of the folded format.
enum class FrameKind {
	root,     // the synthetic "all" node and the process frame (first folded frame)
	user,     // anything else
	kernel,   // "name_[k]"
	inlined,  // "name_[i]"
	off_cpu,  // "[off-cpu:STATE]..." segment markers
	gpu,      // "[GPU_Kernel]name", "[GPU_Memcpy]HtoD", ...
	net,      // "[net:send]127.0.0.1:5432", ... (network layer leaves)
};

// `is_root` is true for the first frame of a stack (the process name) and
// for the synthetic root; names alone cannot tell a process from a function.
FrameKind classify_frame(std::string_view name, bool is_root = false);
const char *to_string(FrameKind k);

class StackTree {
public:
	using NodeId = uint32_t;
	static constexpr NodeId root_id = 0;
	static constexpr NodeId no_node = UINT32_MAX;

	struct Node {
		double self = 0;
		double total = 0;
		FrameId name = 0;  // see name()
		NodeId parent = 0;
		uint32_t depth = 0;  // 0 for the root, 1 for the process frame
		uint32_t child_count = 0;
		// While stacks are added: the newest child and the next older
		// sibling; views use StackTree::children() instead.
		NodeId first_child = 0;
		NodeId next_sibling = 0;
		uint32_t child_begin = 0;  // where children() starts in the child lists
		bool stack_end = false;    // some stack ended exactly here
	};

	StackTree();
	StackTree(StackTree &&) = default;
	StackTree &operator=(StackTree &&) = default;

	// Adds one folded stack "a;b;c" (root first). Weights <= 0 add nothing:
	// a frame that never ran has no place in any view.
	void add(std::string_view folded_stack, double weight);
	// The same for frames already interned in frames().
	void add(std::span<const FrameId> stack, double weight);

	const Node &node(NodeId id) const
	{
		sort_children();
		return nodes_[id];
	}
	const Node &root() const { return node(root_id); }
	// The children of `id`, in byte order of their names.
	std::span<const NodeId> children(NodeId id) const
	{
		sort_children();
		const Node &n = nodes_[id];
		return {child_lists_.data() + n.child_begin, n.child_count};
	}
	std::string_view name(NodeId id) const { return frames_.name(nodes_[id].name); }
	FrameTable &frames() { return frames_; }
	const FrameTable &frames() const { return frames_; }
	size_t size() const { return nodes_.size(); }
	double total() const { return nodes_[root_id].total; }
	// Distinct stacks added (with weight > 0).
	size_t stacks() const { return stacks_; }
	uint32_t max_depth() const { return max_depth_; }
	FrameKind kind(NodeId id) const;
	// The child of `parent` named `name` (an id in frames()), or no_node.
	NodeId find_child(NodeId parent, FrameId name) const;

private:
	NodeId child(NodeId parent, FrameId name);
	void sort_children() const;

	// Nodes in fixed-size chunks: growing never copies them, so the peak
	// is the tree itself, not twice it as with one vector's reallocation.
	// Chunks are 2 MiB-aligned and offered to the kernel for huge pages,
	// which saves most of the page faults of a tree of millions of nodes.
	class Nodes {
	public:
		static constexpr unsigned shift = 15;  // 32768 nodes, 2 MiB a chunk
		Nodes() = default;
		Nodes(Nodes &&) = default;
		Nodes &operator=(Nodes &&) = default;
		Node &operator[](size_t i) { return chunks_[i >> shift][i & mask]; }
		const Node &operator[](size_t i) const { return chunks_[i >> shift][i & mask]; }
		size_t size() const { return size_; }
		Node &emplace_back();

	private:
		struct Free {
			void operator()(Node *p) const;
		};
		static constexpr size_t mask = (size_t{1} << shift) - 1;
		std::vector<std::unique_ptr<Node[], Free>> chunks_;
		size_t size_ = 0;
	};
	static_assert(std::is_trivially_destructible_v<Node>);
	static_assert(sizeof(Node) == 48);

	FrameTable frames_;
	Nodes nodes_;
	FlatMap64 child_of_;                       // parent << 32 | name -> node, wide parents
	static constexpr uint32_t wide = 8;        // children before a node uses child_of_
	mutable std::vector<NodeId> child_lists_;  // every node's children, one run each
	mutable bool sorted_ = true;
	size_t stacks_ = 0;
	uint32_t max_depth_ = 0;
	std::vector<FrameId> split_;  // scratch for add(string_view)
};

// One function (frame name) summed over the whole tree: the rows of the
// report table. self: weight of stacks whose leaf it is. total: weight of
// stacks containing it at least once, so recursion is not counted twice.
struct FunctionStats {
	std::string name;
	double self = 0;
	double total = 0;
};

// Calls fn(path, self) for every node where stacks end (self > 0), in tree
// order (children in byte order of names, a node before its callees); the
// path runs from the process frame to the node, the synthetic root left out.
void for_each_stack(const StackTree &tree,
		    const std::function<void(std::span<const StackTree::NodeId>, double)> &fn);

// Every frame name except the synthetic root, in no particular order;
// process frames (the first of each stack) only `with_process`.
std::vector<FunctionStats> function_stats(const StackTree &tree, bool with_process = true);

// The one walk behind every grouping of a tree (functions, libraries,
// processes, layers: report/report_group.hpp): `row_of(node, parent's row)`
// names the row of each node, or kNoRow; a node adds its self to its row,
// and its total when it is the outermost node of that row on its path, so
// recursion is counted once. Rows named must exist in `rows`.
inline constexpr size_t kNoRow = SIZE_MAX;
void sum_rows(const StackTree &tree, std::vector<FunctionStats> &rows,
	      const std::function<size_t(StackTree::NodeId, size_t)> &row_of);

// A weight for people: integers as integers, fractions with up to 2
// decimals ("12", "2.5", "0.33").
std::string format_weight(double w);

}  // namespace xpu
