#include <catch2/catch.hpp>

#include "profile/profile.hpp"
#include "output/writer_folded.hpp"

using namespace xpu;

TEST_CASE("folded writer: exact bytes, sorted, merged", "[folded]")
{
	Profile p;
	std::vector<std::string> a = {"app", "main", "work_b"};
	std::vector<std::string> b = {"app", "main", "work_a", "memcpy", "page_fault_[k]"};
	p.add(a, 3);
	p.add(b, 5);
	p.add(a, 4);  // same stack: merged
	p.add_folded("app;main", 1);
	p.add_folded("app;main;idle", 0);  // zero weight: not a line
	CHECK(to_folded(p) == "app;main 1\n"
			      "app;main;work_a;memcpy;page_fault_[k] 5\n"
			      "app;main;work_b 7\n");
	CHECK(p.total() == 13);
	CHECK(p.size() == 3);
}

TEST_CASE("folded writer: empty profile writes nothing", "[folded]")
{
	Profile p;
	CHECK(to_folded(p).empty());
}

TEST_CASE("clean_frame keeps frames one line and one frame", "[folded]")
{
	CHECK(clean_frame("std::vector<int, std::allocator<int> >::push_back(int const&)") ==
	      "std::vector<int, std::allocator<int> >::push_back(int const&)");
	CHECK(clean_frame("a;b") == "a:b");
	CHECK(clean_frame("line\nbreak\r") == "line break ");
	CHECK(clean_frame("") == "[unknown]");
}

TEST_CASE("write_folded reports a closed output", "[folded]")
{
	Profile p;
	p.add_folded("a;b", 1);
	std::FILE *f = std::fopen("/dev/full", "w");
	REQUIRE(f);
	auto r = write_folded(p, f);
	std::fclose(f);
	REQUIRE_FALSE(r);
	CHECK(r.error().exit == ExitCode::output);
}
