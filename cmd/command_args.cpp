#include "command_args.hpp"

namespace xpu::cmd {

namespace {

// Whether `arg` (an option word) consumes the next word as its value.
bool takes_separate_value(const CLI::App &app, const std::string &arg)
{
	if (arg.starts_with("--") && arg.find('=') != std::string::npos)
		return false;  // --output=file
	if (!arg.starts_with("--") && arg.size() > 2)
		return false;  // -F99 (value attached) or -aU (flags)
	const CLI::Option *opt = app.get_option_no_throw(arg);
	return opt && opt->get_items_expected_min() > 0;
}

}  // namespace

std::vector<std::string> split_command(CLI::App &app, std::vector<std::string> &args,
				       const std::set<std::string> &takes_command)
{
	CLI::App *scope = &app;
	bool in_sub = false;
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		if (a == "--") {
			if (!in_sub)
				return {};
			std::vector<std::string> cmd(args.begin() + i + 1, args.end());
			args.resize(i);
			return cmd;
		}
		if (a.starts_with("-") && a.size() > 1) {
			if (takes_separate_value(*scope, a))
				i++;
			continue;
		}
		if (in_sub) {  // first positional word: the command starts here
			std::vector<std::string> cmd(args.begin() + i, args.end());
			args.resize(i);
			return cmd;
		}
		if (!takes_command.contains(a))
			return {};  // another subcommand (or a typo): CLI11 judges
		scope = app.get_subcommand(a);
		in_sub = true;
	}
	return {};
}

}  // namespace xpu::cmd
