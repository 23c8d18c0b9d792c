// xpu-perf check: flags -> CheckConfig -> run_check(), printed as text or JSON.
#include <unistd.h>

#include <cstdio>

#include "commands.hpp"
#include "system/check.hpp"
#include "base/color.hpp"

namespace xpu::cmd {

namespace {

struct CheckFlags {
	CheckConfig cfg;
	std::string format = "text";
};

}  // namespace

void add_check(CLI::App &app, Globals &)
{
	auto f = std::make_shared<CheckFlags>();
	CLI::App *sub = app.add_subcommand(
		"check", "Probe what this machine can profile, without changing anything: one "
			 "line per capability, with the fix for what is missing.");
	sub->footer("\nExit status: 0 when record can run here, 2 when it cannot.\nExamples:\n"
		    "  xpu-perf check\n  xpu-perf check --binary ./app\n"
		    "  xpu-perf check --format json | jq .record_can_run\nSee xpu-perf-check(1).");
	sub->add_option("--binary", f->cfg.binary,
			"also count the functions of this ELF file that keep frame pointers")
		->type_name("PATH");
	sub->add_option("--format", f->format, "text, or json (stable fields)")
		->capture_default_str()
		->check(CLI::IsMember({"text", "json"}));
	sub->callback([f] {
		auto r = run_check(f->cfg);
		if (!r)
			fail_with(to_int(r.error().exit), r.error().msg);
		std::string out = f->format == "json" ? format_check_json(*r)
						      : format_check_text(*r, color::enabled(STDOUT_FILENO));
		std::fputs(out.c_str(), stdout);
		std::fflush(stdout);
		if (!r->record_can_run())
			throw CLI::RuntimeError(to_int(ExitCode::environment));
	});
}

}  // namespace xpu::cmd
