// xpu-perf: the root command. Each subcommand lives in its own file.
#include <algorithm>
#include <cstdio>

#include "command_args.hpp"
#include "commands.hpp"
#include "base/build_info.hpp"
#include "base/color.hpp"
#include "base/exit_code.hpp"
#include "base/log.hpp"

namespace xpu::cmd {

void fail_with(int exit_code, const std::string &msg)
{
	log::error(msg);
	if (exit_code == to_int(ExitCode::environment))  // privileges, BTF, BPF refused
		std::fprintf(stderr, "xpu-perf: hint: 'xpu-perf check' lists what this machine "
				     "lacks and how to fix it\n");
	throw CLI::RuntimeError(exit_code);
}

}  // namespace xpu::cmd

int main(int argc, char **argv)
{
	using namespace xpu;
	CLI::App app{"xpu-perf: where a program's wall-clock time goes, on the CPU, off it, "
		     "and on the GPU.\nSee xpu-perf(1).",
		     "xpu-perf"};
	app.require_subcommand(1);
	app.set_version_flag("--version", version_text());
	cmd::Globals g;
	app.add_flag("-v,--verbose", g.verbose, "more messages on stderr (-vv debug, -vvv libbpf)");
	std::string color_mode = "auto";
	app.add_option("--color", color_mode, "colour: auto (terminals, unless NO_COLOR is set), "
					      "always or never")
		->capture_default_str()
		->check(CLI::IsMember({"auto", "always", "never"}));
	app.parse_complete_callback([&] {
		color::set_mode(*color::parse_mode(color_mode));
		log::set_level(static_cast<log::Level>(std::min(1 + g.verbose, 4)));
		log::install_libbpf_printer();
	});
	cmd::add_record(app, g);
	cmd::add_report(app, g);
	cmd::add_top(app, g);
	cmd::add_live(app, g);
	cmd::add_tune(app, g);
	cmd::add_check(app, g);
	cmd::add_help(app, g);
	cmd::add_completion(app, g);  // last: it describes the commands above

	std::vector<std::string> args(argv + 1, argv + argc);
	for (size_t i = 0; i < args.size(); i++) {  // CLI11 would only say "a subcommand is required"
		const std::string &a = args[i];
		if (a.starts_with("-")) {  // and skip the value of "--color never"
			const CLI::Option *opt = app.get_option_no_throw(a);
			if (opt && opt->get_items_expected_min() > 0 && a.find('=') == a.npos)
				i++;
			continue;
		}
		auto subs = app.get_subcommands([&](CLI::App *sub) { return sub->get_name() == a; });
		if (subs.empty()) {
			std::fprintf(stderr, "xpu-perf: error: unknown command '%s' (see xpu-perf --help)\n",
				     a.c_str());
			return to_int(ExitCode::usage);
		}
		break;
	}
	g.command = cmd::split_command(app, args, cmd::kTakesCommand);
	std::reverse(args.begin(), args.end());  // CLI11 takes a vector back to front

	try {
		app.parse(args);
	} catch (const CLI::RuntimeError &e) {  // a subcommand's result
		return e.get_exit_code();
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForAllHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForVersion &e) {
		return app.exit(e);
	} catch (const CLI::ParseError &e) {
		log::error(std::string(e.what()) + " (see xpu-perf --help)");
		return to_int(ExitCode::usage);
	}
	return 0;
}
