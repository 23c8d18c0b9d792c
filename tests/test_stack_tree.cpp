// The stack tree every view shares: self/total per node and per function,
// on a small profile worked out by hand (recursion included).
#include <algorithm>

#include <catch2/catch.hpp>

#include "profile/stack_tree.hpp"

using namespace xpu;

namespace {

// The hand-computed example: 10.5 samples, main calls a (which recurses
// once) and c; main itself and a itself were sampled too.
StackTree example()
{
	StackTree t;
	t.add("p;main;a;b", 3);
	t.add("p;main;a;a;b", 2);
	t.add("p;main;c", 4);
	t.add("p;main", 1);
	t.add("p;main;a", 0.5);
	return t;
}

// The child of `parent` named `name`; fails the test when there is none.
StackTree::NodeId kid(const StackTree &t, StackTree::NodeId parent, const std::string &name)
{
	for (auto id : t.children(parent))
		if (t.name(id) == name)
			return id;
	FAIL("no child '" << name << "' under '" << t.name(parent) << "'");
	return 0;
}

std::vector<std::string> child_names(const StackTree &t, StackTree::NodeId id)
{
	std::vector<std::string> out;
	for (auto k : t.children(id))
		out.emplace_back(t.name(k));
	return out;
}

const FunctionStats &row(const std::vector<FunctionStats> &rows, const std::string &name)
{
	auto it = std::find_if(rows.begin(), rows.end(),
			       [&](const FunctionStats &f) { return f.name == name; });
	REQUIRE(it != rows.end());
	return *it;
}

}  // namespace

TEST_CASE("stack tree: self and total per node", "[report]")
{
	StackTree t = example();
	CHECK(t.total() == 10.5);
	CHECK(t.stacks() == 5);
	CHECK(t.size() == 8);  // all, p, main, a, a/a, a/b, a/a/b, c
	CHECK(t.max_depth() == 5);
	CHECK(t.name(StackTree::root_id) == "all");
	CHECK(t.root().self == 0);

	auto p = kid(t, StackTree::root_id, "p");
	auto main = kid(t, p, "main");
	auto a = kid(t, main, "a");
	auto aa = kid(t, a, "a");
	auto ab = kid(t, a, "b");
	auto aab = kid(t, aa, "b");
	auto c = kid(t, main, "c");
	CHECK(t.node(p).total == 10.5);
	CHECK(t.node(p).self == 0);
	CHECK(t.node(main).total == 10.5);
	CHECK(t.node(main).self == 1);
	CHECK(t.node(a).total == 5.5);
	CHECK(t.node(a).self == 0.5);
	CHECK(t.node(aa).total == 2);
	CHECK(t.node(aa).self == 0);
	CHECK(t.node(ab).total == 3);
	CHECK(t.node(ab).self == 3);
	CHECK(t.node(aab).total == 2);
	CHECK(t.node(aab).self == 2);
	CHECK(t.node(c).total == 4);
	CHECK(t.node(c).self == 4);
	CHECK(t.node(aab).depth == 5);
	CHECK(t.node(aab).parent == aa);
	CHECK(child_names(t, a) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("stack tree: per-function self and total count recursion once", "[report]")
{
	auto rows = function_stats(example());
	CHECK(rows.size() == 5);  // p, main, a, b, c: "all" is not a function
	CHECK(row(rows, "p").self == 0);
	CHECK(row(rows, "p").total == 10.5);
	CHECK(row(rows, "main").self == 1);
	CHECK(row(rows, "main").total == 10.5);
	CHECK(row(rows, "a").self == 0.5);
	CHECK(row(rows, "a").total == 5.5);  // not 7.5: the recursive a is inside the outer one
	CHECK(row(rows, "b").self == 5);
	CHECK(row(rows, "b").total == 5);
	CHECK(row(rows, "c").self == 4);
	CHECK(row(rows, "c").total == 4);
	CHECK(std::none_of(rows.begin(), rows.end(),
			   [](const FunctionStats &f) { return f.name == "all"; }));
}

TEST_CASE("stack tree: a function in two separate branches sums both", "[report]")
{
	StackTree t;
	t.add("p;main;x;memcpy", 2);
	t.add("p;main;y;memcpy", 3);
	t.add("p;main;y;memcpy;memcpy", 1);  // recursion below a second branch
	auto rows = function_stats(t);
	CHECK(row(rows, "memcpy").self == 6);
	CHECK(row(rows, "memcpy").total == 6);
	CHECK(row(rows, "y").total == 4);
	CHECK(row(rows, "y").self == 0);
}

TEST_CASE("stack tree: children in byte order of names, whatever the input order", "[report]")
{
	StackTree t;
	for (const char *s : {"p;z", "p;B", "p;a", "p;_x", "p;a", "p;Z"})
		t.add(s, 1);
	auto p = kid(t, StackTree::root_id, "p");
	CHECK(child_names(t, p) == std::vector<std::string>{"B", "Z", "_x", "a", "z"});
	CHECK(t.node(kid(t, p, "a")).total == 2);
	CHECK(t.stacks() == 5);  // "p;a" twice is one stack
}

TEST_CASE("stack tree: zero weights add nothing, names are kept byte for byte", "[report]")
{
	StackTree t;
	t.add("p;idle", 0);
	CHECK(t.size() == 1);
	CHECK(t.stacks() == 0);
	CHECK(t.total() == 0);
	std::string push_back = "std::vector<int, std::allocator<int> >::push_back(int const&)";
	t.add("p;" + push_back, 2.25);
	auto p = kid(t, StackTree::root_id, "p");
	CHECK(child_names(t, p) == std::vector<std::string>{push_back});
	CHECK(t.total() == 2.25);
}

TEST_CASE("frame kinds from the folded naming conventions", "[report]")
{
	CHECK(classify_frame("main") == FrameKind::user);
	CHECK(classify_frame("[unknown]") == FrameKind::user);
	CHECK(classify_frame("do_syscall_64_[k]") == FrameKind::kernel);
	CHECK(classify_frame("std::min<int>_[i]") == FrameKind::inlined);
	CHECK(classify_frame("[off-cpu:S]") == FrameKind::off_cpu);
	CHECK(classify_frame("[off-cpu:D]") == FrameKind::off_cpu);
	CHECK(classify_frame("[GPU_Kernel]vector_add") == FrameKind::gpu);
	CHECK(classify_frame("[GPU_Memcpy]HtoD") == FrameKind::gpu);
	CHECK(classify_frame("cpu_split", true) == FrameKind::root);
	CHECK(classify_frame("_[k]x") == FrameKind::user);  // the suffix must end the name

	StackTree t;
	t.add("app;main;read;[off-cpu:S];schedule_[k]", 1);
	auto app = kid(t, StackTree::root_id, "app");
	auto main = kid(t, app, "main");
	auto read = kid(t, main, "read");
	auto off = kid(t, read, "[off-cpu:S]");
	auto sched = kid(t, off, "schedule_[k]");
	CHECK(t.kind(StackTree::root_id) == FrameKind::root);
	CHECK(t.kind(app) == FrameKind::root);
	CHECK(t.kind(main) == FrameKind::user);
	CHECK(t.kind(off) == FrameKind::off_cpu);
	CHECK(t.kind(sched) == FrameKind::kernel);
	CHECK(std::string(to_string(FrameKind::off_cpu)) == "off-cpu");
}

TEST_CASE("weights print as integers, or with up to 2 decimals", "[report]")
{
	CHECK(format_weight(12) == "12");
	CHECK(format_weight(0) == "0");
	CHECK(format_weight(1234567) == "1234567");
	CHECK(format_weight(2.5) == "2.5");
	CHECK(format_weight(2.25) == "2.25");
	CHECK(format_weight(1.0 / 3) == "0.33");
	CHECK(format_weight(10.5) == "10.5");
	CHECK(format_weight(1.999) == "2");
}

TEST_CASE("frame table: one id per distinct name, stable views", "[report]")
{
	FrameTable t;
	auto a = t.intern("main");
	auto b = t.intern(std::string(3 << 20, 'x'));  // larger than a storage block
	auto c = t.intern("");
	CHECK(t.intern("main") == a);
	CHECK(a != b);
	CHECK(t.name(a) == "main");
	CHECK(t.name(b).size() == 3u << 20);
	CHECK(t.name(c).empty());
	CHECK(t.find("main") == a);
	CHECK(t.find("nope") == FrameTable::none());
	CHECK(t.size() == 3);
}

TEST_CASE("stack splitter: shared prefixes reuse frames, boundaries respected", "[report]")
{
	FrameTable t;
	StackSplitter s(t);
	auto names = [&](std::string_view stack) {
		std::vector<std::string> out;
		for (auto id : s.split(stack))
			out.emplace_back(t.name(id));
		return out;
	};
	using V = std::vector<std::string>;
	CHECK(names("a;b;c") == V{"a", "b", "c"});
	CHECK(names("a;b;cd") == V{"a", "b", "cd"});   // "c" is a prefix of "cd", not the frame
	CHECK(names("a;b;c;d") == V{"a", "b", "c", "d"});
	CHECK(names("a;b;c") == V{"a", "b", "c"});     // shorter: ends at a shared frame
	CHECK(names("a;b") == V{"a", "b"});
	CHECK(names("a;bc;x") == V{"a", "bc", "x"});
	CHECK(names("a;") == V{"a", ""});
	CHECK(names("a;;b") == V{"a", "", "b"});
	CHECK(names("x") == V{"x"});
	CHECK(t.size() == 8);  // a b c cd d bc x ""
}

TEST_CASE("stack tree: children in byte order whatever the input order", "[report]")
{
	StackTree t;
	t.add("p;z", 1);
	t.add("p;a", 1);
	t.add("p;m", 1);
	auto p = kid(t, StackTree::root_id, "p");
	CHECK(child_names(t, p) == std::vector<std::string>{"a", "m", "z"});
	t.add("p;b", 1);  // added after a view: sorted again
	CHECK(child_names(t, p) == std::vector<std::string>{"a", "b", "m", "z"});
}
