// Man pages stay true: every page lints clean, every command the binary
// lists has a page (so commands added later are covered without editing
// this file), every long option that `--help` lists is in its page, and
// `xpu-perf help CMD` shows the page or falls back to --help.
#include <dirent.h>

#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "kernel/call_graph.hpp"

using namespace xpu::test;

namespace {
std::string man_dir() { return build_dir() + "/../man"; }

std::set<std::string> long_options(const std::string &help)
{
	std::set<std::string> opts;
	static const std::regex re(R"(--[a-z][a-z0-9-]+)");
	for (auto it = std::sregex_iterator(help.begin(), help.end(), re);
	     it != std::sregex_iterator(); ++it)
		opts.insert(it->str());
	return opts;
}

std::vector<std::string> pages()
{
	std::vector<std::string> out;
	DIR *d = opendir(man_dir().c_str());
	REQUIRE(d);
	while (dirent *e = readdir(d)) {
		std::string name = e->d_name;
		if (name.ends_with(".1"))
			out.push_back(name);
	}
	closedir(d);
	std::sort(out.begin(), out.end());
	return out;
}

// The commands under "Subcommands:" in `xpu-perf --help` (hidden ones are
// not listed there).
std::vector<std::string> listed_commands()
{
	auto r = run({xpu_perf(), "--help"});
	REQUIRE(r.exit_code == 0);
	std::vector<std::string> cmds;
	auto at = r.out.find("\nSubcommands:\n");
	REQUIRE(at != std::string::npos);
	static const std::regex re(R"(\n  ([a-z][a-z0-9-]*) )");
	std::string rest = r.out.substr(at);
	for (auto it = std::sregex_iterator(rest.begin(), rest.end(), re);
	     it != std::sregex_iterator(); ++it)
		cmds.push_back((*it)[1]);
	return cmds;
}

// The page source with groff's '\-' as '-'.
std::string page_text(const std::string &page)
{
	return std::regex_replace(read_file(man_dir() + "/" + page), std::regex(R"(\\-)"), "-");
}

void check_options_documented(const std::vector<std::string> &argv, const std::string &page)
{
	auto help = run(argv);
	REQUIRE(help.exit_code == 0);
	std::string text = page_text(page);
	REQUIRE(!text.empty());
	for (const auto &opt : long_options(help.out)) {
		if (opt == "--help")
			continue;
		INFO(page << ": " << opt);
		CHECK(text.find(opt) != std::string::npos);
	}
}
}  // namespace

TEST_CASE("man pages lint clean with groff -man -ww", "[man]")
{
	auto all = pages();
	CHECK(all.size() >= 5);
	for (const auto &page : all) {
		INFO(page);
		auto r = run({"/usr/bin/groff", "-man", "-ww", "-z", man_dir() + "/" + page});
		CHECK(r.exit_code == 0);
		CHECK(r.err.empty());
	}
}

TEST_CASE("every listed command has a page naming all its long options", "[man]")
{
	auto cmds = listed_commands();
	for (const char *known : {"record", "report", "check", "help"}) {
		INFO(known);
		CHECK(std::find(cmds.begin(), cmds.end(), known) != cmds.end());
	}
	for (const auto &cmd : cmds) {
		INFO(cmd);
		CHECK(page_text("xpu-perf.1").find(".B " + cmd) != std::string::npos);
		check_options_documented({xpu_perf(), cmd, "--help"}, "xpu-perf-" + cmd + ".1");
	}
	check_options_documented({xpu_perf(), "--help"}, "xpu-perf.1");
}

TEST_CASE("record's page describes every --call-graph mode of the table", "[man]")
{
	std::string text = page_text("xpu-perf-record.1");
	auto at = text.find("--call-graph\\fR chooses");
	REQUIRE(at != std::string::npos);
	std::string list = text.substr(at, text.find(".SH", at) - at);
	for (const auto &m : xpu::kCallGraphModes) {
		INFO(m.name);
		CHECK(list.find(".B " + std::string(m.name) + "\n") != std::string::npos);
	}
}

TEST_CASE("help CMD: the --help text where man is missing; unknown is exit 1", "[man]")
{
	auto r = run({"/usr/bin/env", "PATH=/nonexistent", xpu_perf(), "help", "check"});
	CHECK(r.exit_code == 0);
	CHECK_THAT(r.out, Catch::StartsWith("Probe what this machine can profile"));
	CHECK_THAT(r.out, Catch::Contains("Usage: xpu-perf check [OPTIONS]"));

	auto bad = run({xpu_perf(), "help", "nope"});
	CHECK(bad.exit_code == 1);
	CHECK(bad.err == "xpu-perf: error: help: unknown command 'nope' (see xpu-perf --help)\n");
}

TEST_CASE("help CMD: man -l on the page beside the binary", "[man]")
{
	if (access("/usr/bin/man", X_OK) != 0) {
		XPU_SKIP("no /usr/bin/man (man-db not installed)");
	}
	auto r = run({"/usr/bin/env", "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80", xpu_perf(),
		      "help", "record"});
	CHECK(r.exit_code == 0);
	CHECK_THAT(r.out, Catch::Contains("XPU-PERF-RECORD(1)"));
	CHECK_THAT(r.out, Catch::Contains("NAME"));
}
