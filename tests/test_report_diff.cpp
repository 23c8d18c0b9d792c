// report --diff and the CI gates, on tests/fixtures/report/base.folded (100
// samples) and new.folded (200): malloc grows from 10% to 30% of the total,
// deflate shrinks from 30% to 15%, cache;lookup is new.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "report/report_diff.hpp"
#include "report/report_gate.hpp"
#include "output/writer_svg.hpp"
#include "test_report_util.hpp"

using namespace xpu::test;

namespace {

std::string base() { return report_fixture("base.folded"); }
std::string neu() { return report_fixture("new.folded"); }

}  // namespace

TEST_CASE("report --diff: share changes in percentage points, exactly", "[report]")
{
	auto r = report({"--diff", base(), neu()});
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 0);
	CHECK(r.err.empty());
	CHECK(r.out ==
	      "# base: 100 samples in 5 stacks (" + base() + "); new: 200 samples in 6 stacks (" +
		      neu() + ")\n"
		      "# 11 functions; sorted by self change, in percentage points of each "
		      "profile's total\n"
		      "#\n"
		      "#        Self%                     Total%\n"
		      "#   Base      New    Delta     Base      New    Delta  Function\n"
		      "   10.00    30.00   +20.00    10.00    30.00   +20.00  malloc\n"
		      "   30.00    15.00   -15.00    30.00    15.00   -15.00  deflate\n"
		      "    0.00    10.00   +10.00     0.00    10.00   +10.00  lookup\n"
		      "   40.00    30.00   -10.00    40.00    30.00   -10.00  tokenize\n"
		      "   10.00     5.00    -5.00    10.00     5.00    -5.00  [off-cpu:S]\n"
		      "    0.00     0.00     0.00    30.00    15.00   -15.00  compress\n"
		      "    0.00     0.00     0.00     0.00    10.00   +10.00  cache\n"
		      "   10.00    10.00     0.00    50.00    40.00   -10.00  parse\n"
		      "    0.00     0.00     0.00    10.00     5.00    -5.00  io\n"
		      "    0.00     0.00     0.00   100.00   100.00     0.00  app\n"
		      "    0.00     0.00     0.00   100.00   100.00     0.00  main\n");
}

TEST_CASE("report --diff: --sort total, --top, --percent-limit, csv and json", "[report]")
{
	auto r = report({"--diff", "--sort", "total", "--top", "2", "--format", "csv", base(),
			 neu()});
	CHECK(r.exit_code == 0);
	CHECK(r.out == "name,base_self_percent,new_self_percent,self_delta,base_total_percent,"
		       "new_total_percent,total_delta\n"
		       "malloc,10.0000,30.0000,20.0000,10.0000,30.0000,20.0000\n"
		       "deflate,30.0000,15.0000,-15.0000,30.0000,15.0000,-15.0000\n");
	auto j = report({"--diff", "--percent-limit", "12", "--format", "json", base(), neu()});
	CHECK(j.exit_code == 0);
	CHECK(j.out == "{\"unit\":\"samples\",\"base_total\":100,\"new_total\":200,\"sort\":"
		       "\"self\",\"rows\":[\n"
		       "{\"name\":\"malloc\",\"base_self_percent\":10.0000,\"new_self_percent\":"
		       "30.0000,\"self_delta\":20.0000,\"base_total_percent\":10.0000,"
		       "\"new_total_percent\":30.0000,\"total_delta\":20.0000},\n"
		       "{\"name\":\"deflate\",\"base_self_percent\":30.0000,\"new_self_percent\":"
		       "15.0000,\"self_delta\":-15.0000,\"base_total_percent\":30.0000,"
		       "\"new_total_percent\":15.0000,\"total_delta\":-15.0000}]}\n");
}

TEST_CASE("report --diff: errors", "[report]")
{
	auto one = report({"--diff", base()});
	CHECK(one.exit_code == 1);
	CHECK(one.err == "xpu-perf: error: --diff takes two files, BASE and NEW (1 given)\n");
	auto exp = report({"--diff", "--format", "pprof", "-o", "/dev/null", base(), neu()});
	CHECK(exp.exit_code == 1);
	CHECK_THAT(exp.err, Catch::Contains("not an export"));
	auto grouped = report({"--diff", "--sort", "dso", base(), neu()});
	CHECK(grouped.exit_code == 1);
	CHECK(grouped.err == "xpu-perf: error: --diff compares functions: --sort self or total, "
			     "not dso\n");
}

TEST_CASE("report --diff --svg: NEW's shape coloured by the change", "[report]")
{
	std::string svg = temp_path("diff.svg");
	auto r = report({"--diff", "--svg", svg, base(), neu()});
	CHECK(r.exit_code == 0);
	CHECK(r.err == "xpu-perf: differential flame graph of 200 samples: 12 frames -> " + svg +
			       "\n");
	std::string t = read_file(svg);
	CHECK_THAT(t, Catch::Contains(">Differential Flame Graph</text>"));
	CHECK_THAT(t, Catch::Contains(base() + " -&gt; " + neu() + ": red grew, blue shrank"));
	// malloc: +20 pp, the largest change: full red; deflate -15 pp: blue.
	CHECK_THAT(t, Catch::Contains("<title>malloc (60 samples, 30.00%; +20.00 pp)</title>"));
	CHECK_THAT(t, Catch::Contains("fill=\"rgb(255,35,35)\""));
	CHECK_THAT(t, Catch::Contains("<title>deflate (30 samples, 15.00%; -15.00 pp)</title>"));
	CHECK_THAT(t, Catch::Contains("fill=\"rgb(88,88,255)\""));
	CHECK_THAT(t, Catch::Contains("<title>main (200 samples, 100.00%; +0.00 pp)</title>"));
	unlink(svg.c_str());

	CHECK(xpu::diff_color(0, 20).r == 245);
	CHECK(xpu::diff_color(10, 20).g == 140);
	CHECK(xpu::diff_color(-40, 20).b == 255);
	CHECK(xpu::diff_color(-40, 20).r == 35);
}

TEST_CASE("node deltas follow call paths, not names", "[report]")
{
	xpu::StackTree b, n;
	b.add("p;a;x", 1);
	b.add("p;b", 1);
	n.add("p;a", 1);
	n.add("p;b;x", 3);
	auto d = xpu::node_deltas(b, n);
	REQUIRE(d.size() == n.size());
	for (xpu::StackTree::NodeId id = 0; id < n.size(); ++id) {
		std::string path;
		for (auto i = id; i != xpu::StackTree::root_id; i = n.node(i).parent)
			path = std::string(n.name(i)) + (path.empty() ? "" : ";") + path;
		INFO(path);
		if (path == "p;a")
			CHECK(d[id] == Approx(25 - 50));
		if (path == "p;b;x")
			CHECK(d[id] == Approx(75));  // no p;b;x in base
		if (path.empty() || path == "p")
			CHECK(d[id] == 0);
	}
}

TEST_CASE("gates: --fail-if and --fail-if-growth exit 6 with a one-line reason", "[report]")
{
	auto ok = report({"--fail-if", "malloc>30%", "--top", "1", neu()});
	CHECK(ok.exit_code == 0);
	CHECK(ok.err.empty());
	CHECK_FALSE(ok.out.empty());

	auto over = report({"--fail-if", "malloc>=30%", "--top", "1", neu()});
	CHECK(over.exit_code == 6);
	CHECK(over.err == "xpu-perf: gate failed: --fail-if 'malloc>=30%': 'malloc' is 30.00% "
			  "of the total\n");
	CHECK_FALSE(over.out.empty());  // the report is still written

	auto grew = report({"--diff", base(), neu(), "--top", "1", "--fail-if-growth",
			    "malloc>5pp", "--fail-if-growth", "deflate<-10pp", "--fail-if-growth",
			    "tokenize>1pp"});
	CHECK(grew.exit_code == 6);
	CHECK(grew.err == "xpu-perf: gate failed: --fail-if-growth 'malloc>5pp': 'malloc' went "
			  "from 10.00% to 30.00% of the total (+20.00 pp)\n"
			  "xpu-perf: gate failed: --fail-if-growth 'deflate<-10pp': 'deflate' went "
			  "from 30.00% to 15.00% of the total (-15.00 pp)\n");

	auto diff_new = report({"--diff", base(), neu(), "--fail-if", "malloc<20%"});
	CHECK(diff_new.exit_code == 0);  // on NEW's share (30%)

	auto typo = report({"--fail-if", "mallco>20%", "--top", "1", neu()});
	CHECK(typo.exit_code == 0);
	CHECK(typo.err == "xpu-perf: warning: --fail-if 'mallco>20%': no frame named 'mallco' "
			  "in the profile (its share is 0%)\n");
}

TEST_CASE("gates: bad expressions are usage errors (exit 1) before reading", "[report]")
{
	for (const char *bad : {"malloc", "malloc>", ">20%", "malloc>20", "malloc>20pp",
				"malloc=20%", "malloc>120%", "malloc>x%"}) {
		INFO(bad);
		auto r = report({"--fail-if", bad, "/nonexistent.folded"});
		CHECK(r.exit_code == 1);
		CHECK_THAT(r.err, Catch::StartsWith("xpu-perf: error: --fail-if: "));
	}
	auto growth = report({"--diff", base(), neu(), "--fail-if-growth", "malloc>5%"});
	CHECK(growth.exit_code == 1);
	CHECK(growth.err == "xpu-perf: error: --fail-if-growth: 'malloc>5%' must end in pp (want "
			    "'FRAME>5pp')\n");
	auto nodiff = report({"--fail-if-growth", "malloc>5pp", neu()});
	CHECK(nodiff.exit_code == 1);
	CHECK(nodiff.err == "xpu-perf: error: --fail-if-growth needs --diff BASE NEW\n");
}

TEST_CASE("gates: the frame is everything before the last comparison", "[report]")
{
	auto g = xpu::parse_gate("std::vector<int>::push_back(int const&)>=12.5%", false);
	REQUIRE(g);
	CHECK(g->frame == "std::vector<int>::push_back(int const&)");
	CHECK(g->op == xpu::Gate::Op::ge);
	CHECK(g->value == 12.5);
	auto h = xpu::parse_gate(" a<b> <= -3pp ", true);
	REQUIRE(h);
	CHECK(h->frame == "a<b>");
	CHECK(h->op == xpu::Gate::Op::le);
	CHECK(h->value == -3);
	auto i = xpu::parse_gate("x>+2.pp", true);
	REQUIRE(i);
	CHECK(i->value == 2);

	xpu::StackTree t;
	t.add("p;f;f;g", 3);  // recursion counts once
	t.add("p;h", 1);
	auto r = xpu::check_gate(*xpu::parse_gate("f>74%", false), t, nullptr);
	CHECK(r.violated);
	CHECK(r.message == "--fail-if 'f>74%': 'f' is 75.00% of the total");
	CHECK_FALSE(xpu::check_gate(*xpu::parse_gate("f>75%", false), t, nullptr).violated);
	// The synthetic root is not a frame of the profile.
	CHECK(xpu::check_gate(*xpu::parse_gate("all>1%", false), t, nullptr).unknown_frame);
}
