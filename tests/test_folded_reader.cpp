// Reading folded stacks: what flamegraph.pl accepts is accepted (decimal
// weights, spaces inside frames), what it ignores is counted, and inputs
// that hold nothing are errors that name the file.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "lib/folded_reader.hpp"

using namespace xpu;

namespace {

FoldedLine parsed(const std::string &line)
{
	FoldedLine fl;
	INFO("line: " << line);
	REQUIRE(parse_folded_line(line, fl));
	return fl;
}

bool rejected(const std::string &line)
{
	FoldedLine fl;
	return !parse_folded_line(line, fl);
}

std::string write_temp(const std::string &name, const std::string &text)
{
	std::string path = xpu::test::temp_path(name);
	std::ofstream(path, std::ios::binary) << text;
	return path;
}

}  // namespace

TEST_CASE("folded line: stack and weight", "[report]")
{
	auto a = parsed("app;main;work 12");
	CHECK(a.stack == "app;main;work");
	CHECK(a.weight == 12);
	CHECK(parsed("app;main 0.5").weight == 0.5);
	CHECK(parsed("app;main 3.").weight == 3);
	CHECK(parsed("app;main 007").weight == 7);
	CHECK(parsed("app;main 0").weight == 0);
	CHECK(parsed("app;main 18446744073709551616").weight == 18446744073709551616.0);
	CHECK(parsed("single 1").stack == "single");
}

TEST_CASE("folded line: spaces inside frames belong to the frame", "[report]")
{
	auto l = parsed("app;std::vector<int, std::allocator<int> >::push_back(int const&) 4");
	CHECK(l.stack == "app;std::vector<int, std::allocator<int> >::push_back(int const&)");
	CHECK(l.weight == 4);
	// Only the last token is the weight, even when the frame ends in a number
	// (flamegraph.pl would read "10 3" as a differential pair; report does
	// not read differential files).
	auto n = parsed("app;sleep 10 3");
	CHECK(n.stack == "app;sleep 10");
	CHECK(n.weight == 3);
}

TEST_CASE("folded line: tabs, repeated blanks, trailing blanks and CR", "[report]")
{
	auto tab = parsed("app;main\t\t5");
	CHECK(tab.stack == "app;main");
	CHECK(tab.weight == 5);
	CHECK(parsed("app;main   5").stack == "app;main");
	auto trailing = parsed("app;main 5 \t ");
	CHECK(trailing.stack == "app;main");
	CHECK(trailing.weight == 5);
	auto crlf = parsed("app;main 5\r");
	CHECK(crlf.stack == "app;main");
	CHECK(crlf.weight == 5);
}

TEST_CASE("folded line: what flamegraph.pl would ignore", "[report]")
{
	CHECK(rejected("app;main"));       // no weight
	CHECK(rejected("app;main x"));     // not a number
	CHECK(rejected("app;main 3x"));
	CHECK(rejected("app;main -3"));    // no sign
	CHECK(rejected("app;main 1e3"));   // no exponent
	CHECK(rejected("app;main .5"));    // digits first
	CHECK(rejected("app;main 1.2.3"));
	CHECK(rejected("app;main;5"));     // no blank before the weight
	CHECK(rejected("5"));              // no stack
	CHECK(rejected("   5"));
	CHECK(rejected(""));
}

TEST_CASE("folded text: blank lines skipped, invalid lines counted", "[report]")
{
	FoldedData d;
	parse_folded_text("app;a 1\n\n   \nbad line\napp;b 2.5\r\nnot;a;weight\napp;c 3", "t", d);
	REQUIRE(d.lines.size() == 3);
	CHECK(d.lines[0].stack == "app;a");
	CHECK(d.lines[1].stack == "app;b");
	CHECK(d.lines[1].weight == 2.5);
	CHECK(d.lines[2].stack == "app;c");  // the last line needs no newline
	REQUIRE(d.sources.size() == 1);
	CHECK(d.sources[0].name == "t");
	CHECK(d.sources[0].valid == 3);
	CHECK(d.sources[0].invalid == 2);
	CHECK(d.sources[0].first_invalid == 4);
	CHECK(d.invalid() == 2);
}

TEST_CASE("read_folded: files merge in order, CRLF and long lines read whole", "[report]")
{
	std::string long_frame(10000, 'x');
	auto a = write_temp("a.folded", "app;a 1\r\napp;" + long_frame + " 2\r\n");
	auto b = write_temp("b.folded", "app;a 4\nbroken\n");
	auto d = read_folded({a, b});
	REQUIRE(d);
	REQUIRE(d->lines.size() == 3);
	CHECK(d->lines[0].stack == "app;a");
	CHECK(d->lines[1].stack == "app;" + long_frame);
	CHECK(d->lines[1].weight == 2);
	CHECK(d->lines[2].weight == 4);
	REQUIRE(d->sources.size() == 2);
	CHECK(d->sources[0].name == a);
	CHECK(d->sources[0].valid == 2);
	CHECK(d->sources[1].name == b);
	CHECK(d->sources[1].invalid == 1);
	CHECK(d->sources[1].first_invalid == 2);
	unlink(a.c_str());
	unlink(b.c_str());
}

TEST_CASE("read_folded: unreadable and empty inputs are usage errors naming the file",
	  "[report]")
{
	auto missing = read_folded({"/nonexistent/x.folded"});
	REQUIRE_FALSE(missing);
	CHECK(missing.error().exit == ExitCode::usage);
	CHECK(missing.error().msg ==
	      "cannot read '/nonexistent/x.folded': No such file or directory");

	auto dir = read_folded({"/tmp"});
	REQUIRE_FALSE(dir);
	CHECK(dir.error().exit == ExitCode::usage);
	CHECK(dir.error().msg == "cannot read '/tmp': Is a directory");

	auto empty = write_temp("empty.folded", "\n\n");
	auto e = read_folded({empty});
	REQUIRE_FALSE(e);
	CHECK(e.error().exit == ExitCode::usage);
	CHECK(e.error().msg == "no folded stacks in '" + empty + "': empty input");

	auto junk = write_temp("junk.folded", "hello\nworld\n");
	auto j = read_folded({junk});
	REQUIRE_FALSE(j);
	CHECK(j.error().exit == ExitCode::usage);
	CHECK(j.error().msg == "no folded stacks in '" + junk +
				       "': 2 lines with invalid format (first: line 1; want "
				       "'frame;frame;... WEIGHT')");

	// One good input is enough; the empty one is only a warning (report.cpp).
	auto good = write_temp("good.folded", "app;main 1\n");
	auto both = read_folded({empty, good});
	REQUIRE(both);
	CHECK(both->lines.size() == 1);
	CHECK(both->sources[0].valid == 0);
	for (const auto &p : {empty, junk, good})
		unlink(p.c_str());
}

TEST_CASE("read_folded_stream: an open stream, named as given", "[report]")
{
	std::string text = "app;main;work 3\napp;main 1.5\n";
	std::FILE *f = fmemopen(text.data(), text.size(), "r");
	REQUIRE(f);
	FoldedData d;
	auto r = read_folded_stream(f, "standard input", d);
	std::fclose(f);
	REQUIRE(r);
	REQUIRE(d.lines.size() == 2);
	CHECK(d.lines[1].weight == 1.5);
	CHECK(d.sources.at(0).name == "standard input");
}
