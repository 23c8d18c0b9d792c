// xpu-perf record: flags -> RecordConfig -> run_record().
#include <unistd.h>

#include <cstdio>
#include <optional>

#include "commands.hpp"
#include "session/record.hpp"
#include "target_flags.hpp"

namespace xpu::cmd {

void add_record(CLI::App &app, Globals &g)
{
	auto f = std::make_shared<TargetFlags>();
	CLI::App *sub = app.add_subcommand(
		"record", "Sample the call stacks of a command, a process or the whole system and "
			  "write folded stacks (flamegraph.pl input).");
	sub->footer("\nCommand: everything after the options, or after '--', runs under the "
		    "profiler.\nExamples:\n  xpu-perf record ./app arg\n"
		    "  xpu-perf record -p 1234 --duration 10s\n"
		    "  xpu-perf record -o - ./app | flamegraph.pl > app.svg\nSee xpu-perf-record(1).");
	add_target_flags(sub, *f);
	sub->add_option("-o,--output", f->cfg.output, "output file; '-' writes to stdout")
		->capture_default_str();
	sub->add_flag("--pid-prefix", f->cfg.pid_prefix,
		      "root frame 'comm-PID' instead of 'comm' (stackcollapse-perf --pid)");
	sub->add_option("--trace", f->cfg.trace,
			"also write a timeline of the GPU work and its launches (trace-event JSON "
			"for Perfetto or speedscope; gzip'd when FILE ends in .gz)")
		->type_name("FILE");
	sub->add_flag("--trace-off-cpu", f->cfg.trace_off_cpu,
		      "with --trace: also draw each off-CPU interval of the target's threads "
		      "(at least --min-block) on its thread's lane, with its state and stack "
		      "(nsys's context-switch trace)");
	sub->add_option("--pprof", f->cfg.pprof,
			"also write the profile as gzip'd pprof (go tool pprof, Pyroscope, Parca) "
			"with thread ids, binaries and build ids; '-' writes to stdout")
		->type_name("FILE");
	sub->add_flag("--wakers", f->cfg.wakers,
		      "append the waker's stack to each off-CPU stack, after a '--' frame");
	sub->callback([f, &g] {
		RecordConfig cfg = to_config(*f, g.command);
		if (cfg.pprof == "-" && isatty(STDOUT_FILENO))
			fail_with(to_int(ExitCode::usage),
				  "--pprof writes gzip'd binary: give a FILE or redirect stdout");
		auto sum = run_record(cfg);
		if (!sum)
			fail_with(to_int(sum.error().exit), sum.error().msg);
		for (const auto &line : format_summary(*sum, cfg.output))
			std::fprintf(stderr, "xpu-perf: %s\n", line.c_str());
		if (g.verbose > 0)
			for (const auto &line : quality_table(sum->quality, sum->unwind))
				std::fprintf(stderr, "xpu-perf: %s\n", line.c_str());
		if (sum->target_exit && *sum->target_exit != 0 && sum->stop_reason.kind == StopKind::target_exited)
			std::fprintf(stderr, "xpu-perf: the command %s\n",
				     describe_command_end(*sum->target_exit, sum->target_signal).c_str());
		if (sum->exit_code != 0)
			throw CLI::RuntimeError(sum->exit_code);
	});
}

}  // namespace xpu::cmd
