// `xpu-perf report` end to end on tests/fixtures/report_basic.folded (12
// samples of examples/cpu_split, 6 stacks): the exact table, the flame graph
// file, stdin, merging, warnings and the error paths.
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "report/report.hpp"

using namespace xpu::test;

namespace {

std::string fixture() { return build_dir() + "/../tests/fixtures/report_basic.folded"; }

RunResult report(std::vector<std::string> args)
{
	args.insert(args.begin(), {xpu_perf(), "report"});
	return run(args);
}

std::string write_temp(const std::string &name, const std::string &text)
{
	std::string path = temp_path(name);
	std::ofstream(path, std::ios::binary) << text;
	return path;
}

// Runs a shell command line; returns its standard output.
std::string shell_out(const std::string &cmd, int &status)
{
	std::FILE *p = popen(cmd.c_str(), "r");
	REQUIRE(p);
	std::string out;
	char buf[4096];
	while (size_t n = std::fread(buf, 1, sizeof(buf), p))
		out.append(buf, n);
	status = pclose(p);
	return out;
}

const char *const full_table =
	"# 12 samples in 6 stacks, 10 functions; sorted by self\n"
	"#\n"
	"#   Self%   Total%   Self  Total  Function\n"
	"   75.00%   83.33%      9     10  spin\n"
	"    8.33%  100.00%      1     12  main\n"
	"    8.33%    8.33%      1      1  __vdso_clock_gettime\n"
	"    8.33%    8.33%      1      1  asm_sysvec_apic_timer_interrupt_[k]\n"
	"    0.00%  100.00%      0     12  _start\n"
	"    0.00%  100.00%      0     12  cpu_split\n"
	"    0.00%   50.00%      0      6  burn_60\n"
	"    0.00%   33.33%      0      4  burn_30\n"
	"    0.00%    8.33%      0      1  burn_10\n"
	"    0.00%    8.33%      0      1  clock_gettime\n";

}  // namespace

TEST_CASE("report: the table for a small profile, exactly", "[report]")
{
	auto r = report({fixture()});
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 0);
	CHECK(r.err.empty());
	CHECK(r.out == full_table);
}

TEST_CASE("report: --top and --sort total", "[report]")
{
	auto r = report({"--top", "3", "--sort", "total", fixture()});
	CHECK(r.exit_code == 0);
	CHECK(r.out == "# 12 samples in 6 stacks, 10 functions; top 3 by total\n"
		       "#\n"
		       "#   Self%   Total%   Self  Total  Function\n"
		       "    8.33%  100.00%      1     12  main\n"
		       "    0.00%  100.00%      0     12  _start\n"
		       "    0.00%  100.00%      0     12  cpu_split\n");
	auto all = report({"--top", "0", fixture()});
	CHECK(all.out == full_table);
}

TEST_CASE("report: files merge, '-' reads standard input", "[report]")
{
	auto twice = report({fixture(), fixture()});
	CHECK(twice.exit_code == 0);
	CHECK_THAT(twice.out, Catch::StartsWith("# 24 samples in 6 stacks, 10 functions;"));
	CHECK_THAT(twice.out, Catch::Contains("   75.00%   83.33%     18     20  spin\n"));

	int status = 0;
	std::string out =
		shell_out(xpu_perf() + " report --top 1 - < " + fixture() + " 2>/dev/null", status);
	CHECK(status == 0);
	CHECK(out == "# 12 samples in 6 stacks, 10 functions; top 1 by self\n"
		     "#\n"
		     "#   Self%   Total%   Self  Total  Function\n"
		     "   75.00%   83.33%      9     10  spin\n");
}

TEST_CASE("report --svg writes a flame graph file", "[report]")
{
	std::string svg = temp_path("report.svg");
	auto r = report({"--svg", svg, "--title", "demo <1>", "--width", "600", fixture()});
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 0);
	CHECK(r.out.empty());
	CHECK(r.err == "xpu-perf: flame graph of 12 samples: 13 frames -> " + svg + "\n");
	std::string text = read_file(svg);
	CHECK_THAT(text, Catch::StartsWith("<?xml"));
	CHECK_THAT(text, Catch::Contains("<svg version=\"1.1\" width=\"600\""));
	CHECK_THAT(text, Catch::Contains(">demo &lt;1&gt;</text>"));
	CHECK_THAT(text, Catch::Contains("<title>spin (6 samples, 50.00%)</title>"));
	size_t frames = 0;
	for (size_t p = text.find("<g class=\"f\""); p != std::string::npos;
	     p = text.find("<g class=\"f\"", p + 1))
		++frames;
	CHECK(frames == 13);
	unlink(svg.c_str());

	auto inv = report({"--svg", svg, "--inverted", "--minwidth", "10%", fixture()});
	CHECK(inv.exit_code == 0);
	CHECK(inv.err == "xpu-perf: flame graph of 12 samples: 8 frames, 5 narrower than 118 px "
			 "left out -> " + svg + "\n");
	CHECK_THAT(read_file(svg), Catch::Contains(">Icicle Graph</text>"));
	unlink(svg.c_str());
}

TEST_CASE("report: invalid lines are counted in a warning", "[report]")
{
	auto path = write_temp("mixed.folded", "app;main;work 3\nnot folded\napp;main 1\n\n");
	auto r = report({path});
	CHECK(r.exit_code == 0);
	CHECK(r.err == "xpu-perf: warning: " + path + ":2: invalid line ignored: 'not folded'\n");
	CHECK_THAT(r.out, Catch::StartsWith("# 4 samples in 2 stacks, 3 functions;"));
	unlink(path.c_str());
}

TEST_CASE("report: errors name the file and exit 1", "[report]")
{
	auto missing = report({"/nonexistent/x.folded"});
	CHECK(missing.exit_code == 1);
	CHECK(missing.out.empty());
	CHECK(missing.err ==
	      "xpu-perf: error: cannot read '/nonexistent/x.folded': No such file or directory\n");

	auto junk = write_temp("junk.folded", "hello\n");
	auto j = report({junk});
	CHECK(j.exit_code == 1);
	CHECK_THAT(j.err, Catch::Contains("no folded stacks in '" + junk + "'"));
	unlink(junk.c_str());

	auto zero = write_temp("zero.folded", "app;idle 0\n");
	auto z = report({zero});
	CHECK(z.exit_code == 1);
	CHECK_THAT(z.err, Catch::Contains("every stack has weight 0"));
	unlink(zero.c_str());

	auto out = report({"--svg", "/nonexistent-dir/x.svg", fixture()});
	CHECK(out.exit_code == 4);
	CHECK_THAT(out.err, Catch::Contains("cannot write '/nonexistent-dir/x.svg'"));

	auto full = report({"--svg", "/dev/full", fixture()});
	CHECK(full.exit_code == 4);
	CHECK(full.err ==
	      "xpu-perf: error: '/dev/full': write flame graph: No space left on device\n");
	int status = 0;
	shell_out(xpu_perf() + " report " + fixture() + " >/dev/full 2>/dev/null", status);
	CHECK(WEXITSTATUS(status) == 4);
}

TEST_CASE("report: flag errors are usage errors", "[report]")
{
	auto needs = report({"--title", "x", fixture()});
	CHECK(needs.exit_code == 1);
	CHECK_THAT(needs.err, Catch::Contains("--title requires --svg"));
	auto excl = report({"--svg", "/tmp/x.svg", "--top", "3", fixture()});
	CHECK(excl.exit_code == 1);
	CHECK_THAT(excl.err, Catch::Contains("--top excludes --svg"));
	auto sort = report({"--sort", "name", fixture()});
	CHECK(sort.exit_code == 1);
	CHECK_THAT(sort.err, Catch::Contains("--sort"));
	auto mw = report({"--svg", "/tmp/x.svg", "--minwidth", "-1", fixture()});
	CHECK(mw.exit_code == 1);
	CHECK_THAT(mw.err, Catch::Contains("--minwidth: bad width '-1'"));
}

TEST_CASE("report: --minwidth in pixels or as a share", "[report]")
{
	CHECK(xpu::parse_min_width("0.1", 1200).value() == 0.1);
	CHECK(xpu::parse_min_width("3", 1200).value() == 3);
	CHECK(xpu::parse_min_width("0.5%", 1200).value() == Approx(5.9));  // of the 1180 px plot
	CHECK(xpu::parse_min_width("0%", 1200).value() == 0);
	for (const char *bad : {"", "%", "-1", "abc", "1px", "101%", "nan", "inf"}) {
		INFO(bad);
		auto r = xpu::parse_min_width(bad, 1200);
		REQUIRE_FALSE(r);
		CHECK(r.error().exit == xpu::ExitCode::usage);
	}
}

TEST_CASE("report: malformed lines named file:line, the first five, then a count", "[report]")
{
	std::string text = "app;main 1\n";
	for (int i = 0; i < 7; ++i)
		text += std::string("bad line ") + static_cast<char>('a' + i) + "\n";
	text += "app;main;work 2.5\napp;x;y\n";
	auto path = write_temp("malformed.folded", text);
	auto r = report({"--format", "csv", path});
	CHECK(r.exit_code == 0);
	CHECK(r.out == "name,self,self_percent,total,total_percent\n"
		       "work,2.5,71.4286,2.5,71.4286\n"
		       "main,1,28.5714,3.5,100.0000\n"
		       "app,0,0.0000,3.5,100.0000\n");
	std::string w = "xpu-perf: warning: " + path;
	CHECK(r.err == w + ":2: invalid line ignored: 'bad line a'\n" + w +
			       ":3: invalid line ignored: 'bad line b'\n" + w +
			       ":4: invalid line ignored: 'bad line c'\n" + w +
			       ":5: invalid line ignored: 'bad line d'\n" + w +
			       ":6: invalid line ignored: 'bad line e'\n" + w +
			       ": 3 more invalid lines ignored (8 in all)\n");

	auto strict = report({"--strict", path});
	CHECK(strict.exit_code == 1);
	CHECK(strict.out.empty());
	CHECK(strict.err == "xpu-perf: error: " + path +
				    ":2: invalid line 'bad line a' (want 'frame;frame;... WEIGHT'; "
				    "--strict)\n");
	auto ok = report({"--strict", "--top", "1", fixture()});
	CHECK(ok.exit_code == 0);

	// Binary junk and a NUL byte: skipped, never a crash.
	static const char kJunk[] = "app;main 1\n\x00\xff\xfe;;; \x01\n;;;; 3\n";
	std::string junk(kJunk, sizeof kJunk - 1);  // the NUL inside kept, the final one not
	auto jp = write_temp("junk2.folded", junk);
	auto j = report({"--format", "folded", jp});
	CHECK(j.exit_code == 0);
	CHECK(j.out == ";;;; 3\napp;main 1\n");
	unlink(path.c_str());
	unlink(jp.c_str());
}
