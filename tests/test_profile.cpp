// The profile model: stacks in byte order of their text whatever the frame
// names hold, timed layers kept in ns and rounded once per stack at output.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "output/writer_folded.hpp"
#include "profile/profile.hpp"

using namespace xpu;

TEST_CASE("profile: stacks read in byte order of their joined text", "[profile]")
{
	// Names that sort below ';' (' ', '!', '(') against their own prefixes
	// are where frame-by-frame order and text order could part.
	const std::vector<std::string> names = {"", "f", "f ", "f!", "f(int)", "fa", "g", "f;"};
	std::mt19937 rng(7);
	Profile p;
	std::vector<std::string> texts;
	for (int i = 0; i < 400; i++) {
		std::vector<std::string> frames = {"app"};
		for (int d = rng() % 4; d >= 0; d--) {
			std::string n = names[rng() % (names.size() - 1)];  // no ';' inside a frame
			frames.push_back(n);
		}
		p.add(frames, 1);
		std::string t;
		for (const auto &f : frames)
			t += (t.empty() ? "" : ";") + f;
		texts.push_back(t);
	}
	std::sort(texts.begin(), texts.end());
	texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
	std::vector<std::string> read;
	p.for_each([&](std::string_view s, uint64_t) { read.emplace_back(s); });
	CHECK(read == texts);
	CHECK(p.size() == texts.size());
	CHECK(p.total() == 400);
}

TEST_CASE("profile: timed layers stay in ns and are rounded once per stack", "[profile]")
{
	Profile p(100);  // 1 sample = 10 ms
	// 5 + 10 ms on one stack is 1.5 samples, not 0.5 + 1.0 rounded apart.
	p.add_folded("a;[off-cpu:S]", 5'000'000, WeightUnit::offcpu_ns);
	p.add_folded("b;[off-cpu:S]", 15'000'000, WeightUnit::offcpu_ns);
	p.add_folded("a;[off-cpu:S]", 10'000'000, WeightUnit::offcpu_ns);
	// The GPU layer is rounded on its own: 0.4 + 0.4 samples -> 1 in all,
	// the tie going to the first stack in byte order.
	p.add_folded("b;cudaLaunchKernel;[GPU_Kernel]k", 4'000'000, WeightUnit::gpu_ns);
	p.add_folded("a;cudaLaunchKernel;[GPU_Kernel]k", 4'000'000, WeightUnit::gpu_ns);
	p.add_folded("a;main", 2);
	// 1.5 + 1.5 = 3 samples: the remainder tie goes to "a" (earlier in byte order).
	CHECK(to_folded(p) == "a;[off-cpu:S] 2\n"
			      "a;cudaLaunchKernel;[GPU_Kernel]k 1\n"
			      "a;main 2\n"
			      "b;[off-cpu:S] 1\n");
	CHECK(p.total() == 6);
	CHECK(p.size() == 4);

	// More time on a stack after a read is rounded with the rest.
	p.add_folded("b;[off-cpu:S]", 10'000'000, WeightUnit::offcpu_ns);
	CHECK(to_folded(p) == "a;[off-cpu:S] 2\n"
			      "a;cudaLaunchKernel;[GPU_Kernel]k 1\n"
			      "a;main 2\n"
			      "b;[off-cpu:S] 2\n");
}

TEST_CASE("profile: copies keep the units, merges add samples", "[profile]")
{
	Profile p(100);
	p.add_folded("a;[off-cpu:S]", 4'000'000, WeightUnit::offcpu_ns);  // 0.4 samples: none
	p.add_folded("a;main", 3);
	Profile copy = p;
	copy.add_folded("a;[off-cpu:S]", 4'000'000, WeightUnit::offcpu_ns);  // 0.8: one
	CHECK(to_folded(copy) == "a;[off-cpu:S] 1\na;main 3\n");
	CHECK(to_folded(p) == "a;main 3\n");

	Profile sum;
	sum.merge(copy);
	sum.merge(copy);
	CHECK(to_folded(sum) == "a;[off-cpu:S] 2\na;main 6\n");
	Profile moved = std::move(sum);
	CHECK(moved.total() == 8);
	CHECK(stack_tree(moved).total() == 8);
}

TEST_CASE("profile: stacks in many chunks, and one longer than a chunk", "[profile]")
{
	// 3000 stacks of 31 frames fill more than one chunk of 65,536 ids; a
	// recursion 70,000 deep needs a chunk of its own.
	Profile p;
	std::vector<std::string> want;
	for (int i = 0; i < 3000; i++) {
		std::string s = "app;t" + std::to_string(i);
		for (int d = 0; d < 29; d++)
			s += ";f" + std::to_string((i + d) % 97);
		p.add_folded(s, 1);
		want.push_back(s + " 1");
	}
	std::string deep = "app";
	for (int d = 0; d < 70000; d++)
		deep += ";recurse";
	p.add_folded(deep, 2);
	p.add_folded(deep, 3);  // found again: one stack
	want.push_back(deep + " 5");
	std::sort(want.begin(), want.end(), [](const std::string &a, const std::string &b) {
		return a.substr(0, a.rfind(' ')) < b.substr(0, b.rfind(' '));
	});
	want.erase(std::unique(want.begin(), want.end()), want.end());
	auto lines = [](const Profile &q) {
		std::vector<std::string> out;
		q.for_each([&](std::string_view s, uint64_t w) { out.push_back(std::string(s) + " " + std::to_string(w)); });
		return out;
	};
	CHECK(lines(p) == want);
	Profile copy = p;
	CHECK(lines(copy) == want);
	CHECK(copy.total() == 3005);
}
