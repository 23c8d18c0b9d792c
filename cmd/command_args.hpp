// `xpu-perf record [OPTIONS] [--] COMMAND [ARGS...]`: the command's own
// arguments must never be read as ours, and our unknown options must still
// be errors. CLI11 cannot express "options, then an opaque tail", so the
// tail is split off before CLI11 parses the rest.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace xpu::cmd {

// `args` excludes argv[0]. For a subcommand named in `takes_command`, the
// first word that is neither an option nor an option's value, or everything
// after a "--", is removed from `args` and returned as the command.
std::vector<std::string> split_command(CLI::App &app, std::vector<std::string> &args,
				       const std::set<std::string> &takes_command);

}  // namespace xpu::cmd
