// The SVG flame graph: valid XML whatever the names, one frame per node,
// pixel geometry from the weights, colour families per frame kind, icicle
// layout and the elision of narrow frames.
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "output/writer_svg.hpp"

using namespace xpu;

namespace {

struct Frame {
	std::string title, x, y, width, text;
	int r = 0, g = 0, b = 0;
};

// Frames by tooltip name ("main"; the first of equal names), from the
// writer's one-line <g> elements.
std::map<std::string, Frame> frames_of(const std::string &svg)
{
	static const std::regex re(
		R"re(<g class="f" data-s="[^"]*" data-w="[^"]*" data-d="\d+">)re"
		R"re(<title>(.*) \([^()]*\)</title>)re"
		R"re(<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)" height="15" )re"
		R"re(fill="rgb\((\d+),(\d+),(\d+)\)" rx="2" ry="2"/>)re"
		R"re(<text x="[\d.]+" y="[\d.]+">(.*)</text></g>)re");
	std::map<std::string, Frame> out;
	std::istringstream in(svg);
	std::string line;
	while (std::getline(in, line)) {
		if (!line.starts_with("<g class=\"f\""))
			continue;
		std::smatch m;
		INFO(line);
		REQUIRE(std::regex_match(line, m, re));
		Frame f{m[1], m[2], m[3], m[4], m[8], std::stoi(m[5]), std::stoi(m[6]),
			std::stoi(m[7])};
		out.emplace(f.title, f);  // the first in pre-order wins
	}
	return out;
}

size_t count(const std::string &s, const std::string &what)
{
	size_t n = 0;
	for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1))
		++n;
	return n;
}

// Parses the file with Python's XML parser (a browser is as strict).
bool well_formed(const std::string &svg)
{
	std::string path = xpu::test::temp_path("graph.svg");
	std::ofstream(path, std::ios::binary) << svg;
	std::string cmd = "python3 -c 'import xml.dom.minidom,sys; "
			  "xml.dom.minidom.parse(sys.argv[1])' " +
			  path + " 2>&1";
	std::FILE *p = popen(cmd.c_str(), "r");
	REQUIRE(p);
	char buf[512];
	std::string out;
	while (size_t n = std::fread(buf, 1, sizeof(buf), p))
		out.append(buf, n);
	int status = pclose(p);
	unlink(path.c_str());
	INFO("python3: " << out);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// 10 samples: 1180 px of plot width / 10 = 118 px per sample.
StackTree example()
{
	StackTree t;
	t.add("p;main;a;b", 3);
	t.add("p;main;a;a;b", 2);
	t.add("p;main;c", 4);
	t.add("p;main", 1);
	return t;
}

}  // namespace

TEST_CASE("svg: one frame per node, well-formed XML", "[report]")
{
	SvgStats st;
	std::string svg = to_svg(example(), SvgOptions{}, &st);
	CHECK(well_formed(svg));
	CHECK(svg.starts_with(
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<svg "));
	CHECK(svg.ends_with("</svg>\n"));
	CHECK(count(svg, "<g class=\"f\"") == 8);  // all p main a a/a a/b a/a/b c
	CHECK(count(svg, "<rect ") == 9);         // and the background
	CHECK(st.drawn == 8);
	CHECK(st.elided == 0);
	CHECK(st.height == 36 + 6 * 16 + 30);
	CHECK_THAT(svg, Catch::Contains("width=\"1200\" height=\"162\""));
	CHECK_THAT(svg,
		   Catch::Contains("<text id=\"title\" x=\"600\" y=\"24\">Flame Graph</text>"));
	CHECK_THAT(svg, Catch::Contains("<script type=\"text/ecmascript\"><![CDATA["));
	CHECK(count(svg, "]]>") == 1);
}

TEST_CASE("svg: widths and positions proportional to weights", "[report]")
{
	auto f = frames_of(to_svg(example(), SvgOptions{}));
	REQUIRE(f.size() == 6);  // the two "b" frames share a name: see below
	CHECK(f["all"].x == "10.00");
	CHECK(f["all"].width == "1180.00");
	CHECK(f["main"].width == "1180.00");
	CHECK(f["a"].width == "590.00");  // 5 samples, then the recursive a (2) ahead of b
	CHECK(f["a"].x == "10.00");
	CHECK(f["c"].x == "600.00");      // right of a
	CHECK(f["c"].width == "472.00");
	// Root at the bottom: row y = 36 + (5 - depth) * 16.
	CHECK(f["all"].y == "116");
	CHECK(f["p"].y == "100");
	CHECK(f["c"].y == "68");

	std::string svg = to_svg(example(), SvgOptions{});
	CHECK_THAT(svg, Catch::Contains("<title>a (2 samples, 20.00%)</title><rect x=\"10.00\" "
					"y=\"52\" width=\"236.00\""));
	CHECK_THAT(svg, Catch::Contains("<title>b (3 samples, 30.00%)</title><rect x=\"246.00\" "
					"y=\"52\" width=\"354.00\""));
	CHECK_THAT(svg, Catch::Contains("<title>b (2 samples, 20.00%)</title><rect x=\"10.00\" "
					"y=\"36\" width=\"236.00\""));
	CHECK_THAT(svg, Catch::Contains("<title>all (10 samples, 100.00%)</title>"));
}

TEST_CASE("svg: decimal weights and a custom width", "[report]")
{
	StackTree t;
	t.add("p;x", 2.5);
	t.add("p;y", 7.5);
	SvgOptions o;
	o.width = 420;  // 400 px plot: 40 px per unit
	auto f = frames_of(to_svg(t, o));
	CHECK(f["x"].width == "100.00");
	CHECK(f["y"].x == "110.00");
	CHECK(f["y"].width == "300.00");
	CHECK_THAT(to_svg(t, o), Catch::Contains("<title>x (2.5 samples, 25.00%)</title>"));
}

TEST_CASE("svg: --inverted puts the root at the top", "[report]")
{
	SvgOptions o;
	o.inverted = true;
	std::string svg = to_svg(example(), o);
	CHECK(well_formed(svg));
	auto f = frames_of(svg);
	CHECK(f["all"].y == "36");
	CHECK(f["p"].y == "52");
	CHECK(f["main"].y == "68");
	CHECK(f["c"].y == "84");
	CHECK_THAT(svg, Catch::Contains(">Icicle Graph</text>"));
	// The flame graph has it at the bottom, below every other frame.
	auto flame = frames_of(to_svg(example(), SvgOptions{}));
	for (const auto &[name, fr] : flame)
		CHECK(std::stoi(fr.y) <= std::stoi(flame["all"].y));
}

TEST_CASE("svg: frames narrower than min_width are left out and counted", "[report]")
{
	StackTree t;
	t.add("p;big", 999);
	t.add("p;tiny", 1);
	t.add("p;tiny;deeper", 1);
	t.add("p;tiny;deeper;deepest", 0.5);
	// 1001.5 samples on 1180 px: tiny 2.95 px, deeper 1.77 px, deepest 0.59 px.
	SvgOptions o;
	SvgStats st;
	to_svg(t, o, &st);
	CHECK(st.drawn == 6);
	CHECK(st.elided == 0);

	o.min_width = 2;
	std::string svg = to_svg(t, o, &st);
	CHECK(st.drawn == 4);  // all p big tiny
	CHECK(st.elided == 2); // deeper, deepest
	CHECK(count(svg, "<g class=\"f\"") == 4);
	CHECK(st.height == 36 + 3 * 16 + 30);  // rows for drawn frames only

	o.min_width = 3;
	to_svg(t, o, &st);
	CHECK(st.drawn == 3);
	CHECK(st.elided == 3);
}

TEST_CASE("svg: names, title and subtitle are XML-escaped", "[report]")
{
	StackTree t;
	t.add("p;operator<<;a&b", 1);
	t.add("p;say \"hi\";it's", 1);
	t.add("p;std::vector<int, std::allocator<int> >::push_back(int const&)", 1);
	t.add(std::string("p;bad\xff\x01utf8\xc3"), 1);
	SvgOptions o;
	o.title = "<xpu> & \"co\"";
	o.subtitle = "a < b";
	std::string svg = to_svg(t, o);
	CHECK(well_formed(svg));
	CHECK_THAT(svg, Catch::Contains("<title>operator&lt;&lt; (1 samples, 25.00%)</title>"));
	CHECK_THAT(svg, Catch::Contains("<title>a&amp;b (1 samples, 25.00%)</title>"));
	CHECK_THAT(svg, Catch::Contains("<title>say &quot;hi&quot; (1 samples, 25.00%)</title>"));
	CHECK_THAT(svg, Catch::Contains("<title>it&apos;s (1 samples, 25.00%)</title>"));
	CHECK_THAT(svg, Catch::Contains(
				"<title>std::vector&lt;int, std::allocator&lt;int&gt; "
				"&gt;::push_back(int const&amp;) (1 samples, 25.00%)</title>"));
	CHECK_THAT(svg, Catch::Contains("<title>bad\xEF\xBF\xBD\xEF\xBF\xBDutf8\xEF\xBF\xBD "));
	CHECK_THAT(svg, Catch::Contains(">&lt;xpu&gt; &amp; &quot;co&quot;</text>"));
	CHECK_THAT(svg,
		   Catch::Contains("<text id=\"subtitle\" x=\"600\" y=\"42\">a &lt; b</text>"));
	CHECK(count(svg, "operator<") == 0);
}

TEST_CASE("svg: long names are cut to fit their frame", "[report]")
{
	StackTree t;
	t.add("p;abcdefghijklmnopqrstuvwxyz", 1);  // 118 px: room for 15 characters
	t.add("p;short", 9);
	SvgOptions o;
	o.width = 1200;
	auto f = frames_of(to_svg(t, o));
	CHECK(f["abcdefghijklmnopqrstuvwxyz"].text == "abcdefghijklm..");
	CHECK(f["short"].text == "short");

	StackTree u;  // 16 two-byte characters: cut between characters, not bytes
	auto e_acute = [](int n) {
		std::string s;
		for (int i = 0; i < n; ++i)
			s += "\xc3\xa9";
		return s;
	};
	u.add("p;" + e_acute(16), 1);
	u.add("p;z", 9);
	std::string svg = to_svg(u, o);
	CHECK(well_formed(svg));
	CHECK_THAT(svg, Catch::Contains(">" + e_acute(13) + "..</text>"));

	StackTree v;  // under 3 characters' room: no text at all
	v.add("p;narrow", 1);
	v.add("p;wide", 99);
	CHECK(frames_of(to_svg(v, o))["narrow"].text.empty());
}

TEST_CASE("svg: colour family per frame kind, stable per name", "[report]")
{
	StackTree t;
	t.add("app;main;compute;std::min<int>_[i]", 1);
	t.add("app;main;read;entry_SYSCALL_64_[k];[off-cpu:S];schedule_[k]", 1);
	t.add("app;main;cudaLaunchKernel;[GPU_Kernel]vector_add", 1);
	t.add("app;main;cudaMemcpy;[GPU_Memcpy]HtoD", 1);
	auto f = frames_of(to_svg(t, SvgOptions{}));

	auto grey = [](const Frame &x) {
		return x.r == x.g && x.g == x.b && x.r >= 160 && x.r <= 200;
	};
	auto warm = [](const Frame &x) {
		return x.r >= 205 && x.g >= 60 && x.g <= 220 && x.b <= 25;
	};
	auto kernel = [](const Frame &x) {
		return x.r >= 225 && x.g >= 110 && x.g <= 150 && x.b >= 60 && x.b <= 85;
	};
	auto lighter = [](const Frame &x) { return x.r >= 205 && x.b >= 114 && x.b <= 130; };
	auto blue = [](const Frame &x) { return x.b >= 205 && x.r <= 100 && x.g <= 160; };
	auto green = [](const Frame &x) {
		return x.g >= 185 && x.r <= 90 && x.b >= 100 && x.b <= 180;
	};
	CHECK(grey(f["all"]));
	CHECK(grey(f["app"]));
	for (const char *user : {"main", "compute", "read", "cudaLaunchKernel", "cudaMemcpy"}) {
		INFO(user << " rgb(" << f[user].r << "," << f[user].g << "," << f[user].b << ")");
		CHECK(warm(f[user]));
	}
	CHECK(kernel(f["entry_SYSCALL_64_[k]"]));
	CHECK(kernel(f["schedule_[k]"]));
	CHECK(lighter(f["std::min&lt;int&gt;_[i]"]));
	CHECK(blue(f["[off-cpu:S]"]));
	CHECK(green(f["[GPU_Kernel]vector_add"]));
	CHECK(green(f["[GPU_Memcpy]HtoD"]));

	// The same name gets the same colour in every graph; an inlined
	// function is its own user colour, lightened.
	Rgb a = frame_color(FrameKind::user, "main"), b = frame_color(FrameKind::user, "main");
	CHECK((a.r == b.r && a.g == b.g && a.b == b.b));
	CHECK((f["main"].r == a.r && f["main"].g == a.g && f["main"].b == a.b));
	Rgb plain = frame_color(FrameKind::user, "std::min<int>");
	Rgb in = frame_color(FrameKind::inlined, "std::min<int>_[i]");
	CHECK(in.r >= plain.r);
	CHECK(in.g > plain.g);
	CHECK(in.b > plain.b);
	Rgb other = frame_color(FrameKind::user, "compute");
	CHECK(!(other.r == a.r && other.g == a.g && other.b == a.b));
}

TEST_CASE("svg: write_svg reports a failed write", "[report]")
{
	std::FILE *f = std::fopen("/dev/full", "w");
	REQUIRE(f);
	auto r = write_svg(example(), SvgOptions{}, f);
	std::fclose(f);
	REQUIRE_FALSE(r);
	CHECK(r.error().exit == ExitCode::output);
}

TEST_CASE("xml_escape: entities, and invalid bytes become U+FFFD", "[report]")
{
	CHECK(xml_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&apos;");
	CHECK(xml_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5") ==
	      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5");  // é € and a 4-byte emoji kept
	CHECK(xml_escape("\x01") == "\xEF\xBF\xBD");
	CHECK(xml_escape("tab\tok") == "tab\tok");
	CHECK(xml_escape("\xc0\xaf") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
	CHECK(xml_escape("\xed\xa0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
	CHECK(xml_escape("\xef\xbf\xbe") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFE
	CHECK(xml_escape("cut\xe2\x82") == "cut\xEF\xBF\xBD\xEF\xBF\xBD");
}
