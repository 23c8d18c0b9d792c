// Reading folded stacks: what flamegraph.pl accepts is accepted (decimal
// weights, spaces inside frames), what it ignores is counted, and inputs
// that hold nothing are errors that name the file.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "profile/folded_reader.hpp"

using namespace xpu;

namespace {

struct Parsed {
	std::string stack;
	double weight = 0;
};

Parsed parsed(const std::string &line)
{
	FoldedLine fl;
	INFO("line: " << line);
	REQUIRE(parse_folded_line(line, fl));
	return {std::string(fl.stack), fl.weight};
}

// What a sink received.
struct Collected {
	std::vector<Parsed> lines;
	FoldedSink sink()
	{
		return [this](std::string_view stack, double w) {
			lines.push_back({std::string(stack), w});
		};
	}
};

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
	Collected c;
	auto src = parse_folded_text(
		"app;a 1\n\n   \nbad line\napp;b 2.5\r\nnot;a;weight\napp;c 3", "t", c.sink());
	REQUIRE(src);
	REQUIRE(c.lines.size() == 3);
	CHECK(c.lines[0].stack == "app;a");
	CHECK(c.lines[1].stack == "app;b");
	CHECK(c.lines[1].weight == 2.5);
	CHECK(c.lines[2].stack == "app;c");  // the last line needs no newline
	CHECK(src->name == "t");
	CHECK(src->valid == 3);
	CHECK(src->invalid == 2);
	CHECK(src->first_invalid == 4);
	REQUIRE(src->bad.size() == 2);
	CHECK(src->bad[0].line == 4);
	CHECK(src->bad[0].text == "bad line");
	CHECK(src->bad[1].line == 6);
	CHECK(src->bad[1].text == "not;a;weight");
}

TEST_CASE("folded text: the first few invalid lines are kept, cut to 80 bytes", "[report]")
{
	std::string text = std::string(200, 'x') + "\n";
	for (int i = 0; i < 9; ++i)
		text += "bad\n";
	text += "app;main 1\n";
	Collected c;
	auto src = parse_folded_text(text, "t", c.sink());
	REQUIRE(src);
	CHECK(src->invalid == 10);
	REQUIRE(src->bad.size() == FoldedSource::max_bad_lines);
	CHECK(src->bad[0].text == std::string(80, 'x'));
	CHECK(src->bad[4].line == 5);
	CHECK(c.lines.size() == 1);
}

TEST_CASE("folded text: --strict makes an invalid line an error naming file:line",
	  "[report]")
{
	Collected c;
	auto r = parse_folded_text("app;a 1\napp;b x\napp;c 2\n", "in.folded", c.sink(),
				   {.strict = true});
	REQUIRE_FALSE(r);
	CHECK(r.error().exit == ExitCode::usage);
	CHECK(r.error().msg == "in.folded:2: invalid line 'app;b x' (want 'frame;frame;... "
			       "WEIGHT'; --strict)");
	CHECK(c.lines.size() == 1);  // streamed up to the bad line
}

TEST_CASE("read_folded: files merge in order, CRLF and long lines read whole", "[report]")
{
	std::string long_frame(10000, 'x');
	auto a = write_temp("a.folded", "app;a 1\r\napp;" + long_frame + " 2\r\n");
	auto b = write_temp("b.folded", "app;a 4\nbroken\n");
	Collected c;
	auto d = read_folded({a, b}, c.sink());
	REQUIRE(d);
	REQUIRE(c.lines.size() == 3);
	CHECK(c.lines[0].stack == "app;a");
	CHECK(c.lines[1].stack == "app;" + long_frame);
	CHECK(c.lines[1].weight == 2);
	CHECK(c.lines[2].weight == 4);
	REQUIRE(d->size() == 2);
	CHECK((*d)[0].name == a);
	CHECK((*d)[0].valid == 2);
	CHECK((*d)[1].name == b);
	CHECK((*d)[1].invalid == 1);
	CHECK((*d)[1].first_invalid == 2);
	unlink(a.c_str());
	unlink(b.c_str());
}

TEST_CASE("read_folded: unreadable and empty inputs are usage errors naming the file",
	  "[report]")
{
	Collected c;
	auto missing = read_folded({"/nonexistent/x.folded"}, c.sink());
	REQUIRE_FALSE(missing);
	CHECK(missing.error().exit == ExitCode::usage);
	CHECK(missing.error().msg ==
	      "cannot read '/nonexistent/x.folded': No such file or directory");

	auto dir = read_folded({"/tmp"}, c.sink());
	REQUIRE_FALSE(dir);
	CHECK(dir.error().exit == ExitCode::usage);
	CHECK(dir.error().msg == "cannot read '/tmp': Is a directory");

	auto empty = write_temp("empty.folded", "\n\n");
	auto e = read_folded({empty}, c.sink());
	REQUIRE_FALSE(e);
	CHECK(e.error().exit == ExitCode::usage);
	CHECK(e.error().msg == "no folded stacks in '" + empty + "': empty input");

	auto junk = write_temp("junk.folded", "hello\nworld\n");
	auto j = read_folded({junk}, c.sink());
	REQUIRE_FALSE(j);
	CHECK(j.error().exit == ExitCode::usage);
	CHECK(j.error().msg == "no folded stacks in '" + junk +
				       "': 2 lines with invalid format (first: line 1; want "
				       "'frame;frame;... WEIGHT')");

	// One good input is enough; the empty one is only a warning (report.cpp).
	auto good = write_temp("good.folded", "app;main 1\n");
	auto both = read_folded({empty, good}, c.sink());
	REQUIRE(both);
	CHECK(c.lines.size() == 1);
	CHECK((*both)[0].valid == 0);
	for (const auto &p : {empty, junk, good})
		unlink(p.c_str());
}

TEST_CASE("read_folded_stream: an open stream, named as given", "[report]")
{
	std::string text = "app;main;work 3\napp;main 1.5\n";
	std::FILE *f = fmemopen(text.data(), text.size(), "r");
	REQUIRE(f);
	Collected c;
	auto r = read_folded_stream(f, "standard input", c.sink());
	std::fclose(f);
	REQUIRE(r);
	REQUIRE(c.lines.size() == 2);
	CHECK(c.lines[1].weight == 1.5);
	CHECK(r->name == "standard input");
}

TEST_CASE("folded text: '# ' comment lines (live's window headers) are skipped", "[report]")
{
	Collected c;
	auto src = parse_folded_text("# xpu-perf live window=1 start=1.000 end=2.000\napp;a 2\n"
				     "# xpu-perf live window=2 start=2.000 end=3.000\napp;a 3\n#no-space 1\n",
				     "t", c.sink());
	REQUIRE(src);
	REQUIRE(c.lines.size() == 3);  // "#no-space 1" is a stack named "#no-space"
	CHECK(c.lines[2].stack == "#no-space");
	CHECK(src->valid == 3);
	CHECK(src->invalid == 0);
}
