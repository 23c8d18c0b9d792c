// Colour only where asked for or on a terminal, never with NO_COLOR in auto
// mode; data and diagnostics in files and pipes stay plain.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "base/color.hpp"

using namespace xpu;
using namespace xpu::test;

TEST_CASE("colour rule: explicit mode wins, auto needs a terminal and no NO_COLOR", "[color]")
{
	using color::Mode;
	using color::wanted;
	CHECK(wanted(Mode::always, false, "1", "dumb"));
	CHECK_FALSE(wanted(Mode::never, true, nullptr, "xterm"));
	CHECK(wanted(Mode::automatic, true, nullptr, "xterm"));
	CHECK(wanted(Mode::automatic, true, "", "xterm"));  // NO_COLOR empty: not set
	CHECK_FALSE(wanted(Mode::automatic, true, "1", "xterm"));
	CHECK_FALSE(wanted(Mode::automatic, true, nullptr, "dumb"));
	CHECK_FALSE(wanted(Mode::automatic, false, nullptr, "xterm"));
	CHECK(color::paint(true, "31", "x") == "\033[31mx\033[0m");
	CHECK(color::paint(false, "31", "x") == "x");
	CHECK_FALSE(color::parse_mode("sometimes"));
	CHECK(*color::parse_mode("never") == Mode::never);
}

TEST_CASE("--color: errors and check's statuses coloured only when asked", "[color]")
{
	auto plain = run({xpu_perf(), "check", "--binary", "/nonexistent"});
	CHECK(plain.err == "xpu-perf: error: open /nonexistent: No such file or directory\n");
	auto forced = run({"/usr/bin/env", "NO_COLOR=1", xpu_perf(), "--color=always", "check",
			   "--binary", "/nonexistent"});
	CHECK(forced.err ==
	      "xpu-perf: \033[31merror:\033[0m open /nonexistent: No such file or directory\n");
	auto never = run({xpu_perf(), "--color", "never", "check", "--binary", "/nonexistent"});
	CHECK(never.err == plain.err);

	auto text = run({xpu_perf(), "check"});  // stdout is a file: no escapes
	CHECK(text.out.find('\033') == std::string::npos);
	auto colored = run({xpu_perf(), "--color=always", "check"});
	CHECK_THAT(colored.out, Catch::Contains("\033[32mok\033[0m       privileges") ||
					Catch::Contains("\033[31mmissing\033[0m  privileges"));

	auto bad = run({xpu_perf(), "--color=sometimes", "check"});
	CHECK(bad.exit_code == 1);
	CHECK_THAT(bad.err, Catch::StartsWith("xpu-perf: error: --color: sometimes not in"));
}
