// Man pages stay true: they lint clean and name every long option that
// `--help` lists.
#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include "helpers.hpp"

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
}  // namespace

TEST_CASE("man pages lint clean with groff -man -ww", "[man]")
{
	for (const char *page : {"xpu-perf.1", "xpu-perf-record.1", "xpu-perf-report.1"}) {
		INFO(page);
		auto r = run({"/usr/bin/groff", "-man", "-ww", "-z", man_dir() + "/" + page});
		CHECK(r.exit_code == 0);
		CHECK(r.err.empty());
	}
}

TEST_CASE("every long option in --help is documented in the man page", "[man]")
{
	for (const std::string sub : {"record", "report"}) {
		auto help = run({xpu_perf(), sub, "--help"});
		REQUIRE(help.exit_code == 0);
		// groff escapes '-' as '\-' in the source.
		std::string page = std::regex_replace(
			read_file(man_dir() + "/xpu-perf-" + sub + ".1"), std::regex(R"(\\-)"), "-");
		REQUIRE(!page.empty());
		auto opts = long_options(help.out);
		CHECK(opts.size() > 3);
		for (const auto &opt : opts) {
			if (opt == "--help")
				continue;
			INFO(sub << ": " << opt);
			CHECK(page.find(opt) != std::string::npos);
		}
	}
}
