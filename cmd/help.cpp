// xpu-perf help [CMD]: the command's man page (man -l on the page shipped
// beside the binary), or its --help text where man or the page is missing.
#include <unistd.h>

#include <cstdio>

#include "commands.hpp"
#include "base/exit_code.hpp"
#include "system/man_page.hpp"

namespace xpu::cmd {

void add_help(CLI::App &app, Globals &)
{
	auto topic = std::make_shared<std::string>();
	CLI::App *sub = app.add_subcommand(
		"help", "Show a command's manual page (its --help text where man is missing).");
	sub->footer("\nExamples:\n  xpu-perf help record\n  xpu-perf help\nSee xpu-perf-help(1).");
	sub->add_option("command", *topic, "the command; none: xpu-perf(1)")->type_name("COMMAND");
	sub->callback([topic, &app] {
		CLI::App *about = &app;
		if (!topic->empty()) {
			auto subs = app.get_subcommands(
				[&](CLI::App *s) { return s->get_name() == *topic; });
			about = subs.empty() ? nullptr : subs.front();
			if (!about || about->get_group().empty())  // hidden commands have no page
				fail_with(to_int(ExitCode::usage),
					  "help: unknown command '" + *topic + "' (see xpu-perf --help)");
		}
		std::string page = topic->empty() ? "xpu-perf" : "xpu-perf-" + *topic;
		auto file = find_man_page(page);
		auto man = find_program("man");
		if (file && man) {
			std::fflush(stdout);
			execl(man->c_str(), "man", "-l", file->c_str(), static_cast<char *>(nullptr));
			std::fprintf(stderr, "xpu-perf: cannot run %s; the --help text follows\n",
				     man->c_str());
		}
		std::string text = about == &app ? app.help() : about->help("xpu-perf");
		std::fputs(text.c_str(), stdout);
	});
}

}  // namespace xpu::cmd
