// One function per subcommand: declares its flags on the root app and sets
// the callback that turns them into a lib/ call.
#pragma once

#include <set>
#include <string>

#include <CLI/CLI.hpp>

namespace xpu::cmd {

// The subcommands that run a command line after their options.
inline const std::set<std::string> kTakesCommand = {"record", "top", "live", "tune"};

struct Globals {
	int verbose = 0;                   // -v count
	std::vector<std::string> command;  // the command to profile, see command_args.hpp
};

void add_record(CLI::App &app, Globals &g);
void add_report(CLI::App &app, Globals &g);
void add_live(CLI::App &app, Globals &g);
void add_top(CLI::App &app, Globals &g);
void add_check(CLI::App &app, Globals &g);
void add_tune(CLI::App &app, Globals &g);
void add_help(CLI::App &app, Globals &g);
void add_completion(CLI::App &app, Globals &g);

// Prints a lib/ error and ends the process with its exit code (through
// CLI11, so destructors run).
[[noreturn]] void fail_with(int exit_code, const std::string &msg);

}  // namespace xpu::cmd
