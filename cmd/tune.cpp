// xpu-perf tune: flags -> TuneConfig -> run_tune() (or run_revert()).
#include <cstdio>
#include <cstdlib>

#include "commands.hpp"
#include "tune/tune.hpp"
#include "target_flags.hpp"

namespace xpu::cmd {

namespace {

struct TuneFlags {
	TargetFlags target;
	tune::TuneConfig cfg;
	std::string margin = "5%";
	std::optional<double> wall;
	bool revert = false;
};

}  // namespace

void add_tune(CLI::App &app, Globals &g)
{
	auto f = std::make_shared<TuneFlags>();
	CLI::App *sub = app.add_subcommand(
		"tune", "Profile, name the problems the rules find with their evidence, and propose "
			"changes: applied only when asked (journaled), kept only when they measurably "
			"helped, undone on request.");
	sub->footer("\nDry run unless --apply or --verify. -p and -a (the default without a "
		    "target) are profiled for --duration, 10s unless given.\nExamples:\n  xpu-perf tune -- ./app\n"
		    "  xpu-perf tune -p 1234 --duration 10s\n"
		    "  xpu-perf tune --input app.folded --format json\n"
		    "  xpu-perf tune --verify --bench './app -n 100' -- ./app\n"
		    "  xpu-perf tune --revert\nSee xpu-perf-tune(1).");
	add_target_flags(sub, f->target);
	sub->add_option("--input", f->cfg.input, "evaluate the rules on this folded profile instead "
						 "of profiling (no privileges needed)")
		->type_name("FILE");
	sub->add_option("--wall", f->wall, "with --input: the seconds the profile covered (for "
					   "rates and gpu_idle)")
		->check(CLI::PositiveNumber);
	sub->add_option("--rule", f->cfg.rules, "add a rule: 'NAME: CONDITION => ACTION' (repeatable)")
		->type_name("RULE");
	sub->add_option("--rules", f->cfg.rule_files, "add the rules of a file, one a line (repeatable)")
		->type_name("FILE");
	sub->add_flag("--no-builtin", f->cfg.no_builtin, "leave out the built-in rules");
	sub->add_flag("--list-rules", f->cfg.list_rules, "print the rules in effect and exit");
	sub->add_option("--fact", f->cfg.facts, "set a fact or counter the rules read, "
						"e.g. thp=never or page_faults=120000 (repeatable)")
		->type_name("NAME=VALUE");
	sub->add_option("--format", f->cfg.format, "findings as text, or json (fields in the man page)")
		->capture_default_str()
		->check(CLI::IsMember({"text", "json"}));
	sub->add_option("--top", f->cfg.top, "stacks shown per finding")
		->capture_default_str()
		->check(CLI::Range(0, 100));
	sub->add_flag("--apply", f->cfg.apply, "make the changes (root; journaled first)");
	sub->add_flag("--verify", f->cfg.verify, "apply one change at a time, measure, keep it only "
						 "when it helped beyond --margin");
	sub->add_option("--bench", f->cfg.bench, "the objective of --verify: a shell command whose "
						 "median wall time over --runs runs is compared")
		->type_name("CMD");
	sub->add_option("--runs", f->cfg.runs, "runs of the objective per measurement")
		->capture_default_str()
		->check(CLI::Range(1, 1000));
	sub->add_option("--margin", f->margin, "how much better a change must measure to be kept")
		->capture_default_str();
	sub->add_option("--journal", f->cfg.journal, "the journal file (default "
						     "$XPU_PERF_TUNE_JOURNAL or /var/lib/xpu-perf/tune.journal)")
		->type_name("FILE");
	sub->add_flag("--revert", f->revert, "restore everything the journal holds, newest first, "
					     "and exit");
	sub->callback([f, &g] {
		if (f->revert) {
			auto r = tune::run_revert(f->cfg.journal, stdout);
			std::fflush(stdout);
			if (!r)
				fail_with(to_int(r.error().exit), r.error().msg);
			if (*r)
				throw CLI::RuntimeError(*r);
			return;
		}
		f->cfg.record = to_config(f->target, g.command);
		f->cfg.wall_s = f->wall;
		std::string m = f->margin;
		bool percent = m.ends_with('%');
		if (percent)
			m.pop_back();
		char *end = nullptr;
		double d = std::strtod(m.c_str(), &end);
		if (m.empty() || !end || *end)
			fail_with(to_int(ExitCode::usage), "--margin: expected a share like 5% or 0.05");
		f->cfg.margin = percent ? d / 100 : d;
		auto r = tune::run_tune(f->cfg, stdout);
		std::fflush(stdout);
		if (!r)
			fail_with(to_int(r.error().exit), r.error().msg);
		if (*r)
			throw CLI::RuntimeError(*r);
	});
}

}  // namespace xpu::cmd
