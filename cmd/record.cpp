// xpu-perf record: flags -> RecordConfig -> run_record().
#include <cstdio>
#include <optional>

#include "commands.hpp"
#include "lib/parse.hpp"
#include "lib/record.hpp"

namespace xpu::cmd {

namespace {

struct RecordFlags {
	RecordConfig cfg;
	std::string pids;
	std::string duration;
	std::optional<uint64_t> min_block;
	std::optional<uint64_t> max_block;
};

RecordConfig to_config(RecordFlags &f, const std::vector<std::string> &command)
{
	RecordConfig cfg = f.cfg;
	if (!f.pids.empty()) {
		auto pids = parse_pid_list(f.pids);
		if (!pids)
			fail_with(to_int(pids.error().exit), "-p: " + pids.error().msg);
		cfg.pids = *pids;
	}
	if (!f.duration.empty()) {
		auto d = parse_duration(f.duration);
		if (!d)
			fail_with(to_int(d.error().exit), "--duration: " + d.error().msg);
		cfg.duration = *d;
	}
	cfg.min_block_us = f.min_block;
	cfg.max_block_us = f.max_block;
	cfg.command = command;
	return cfg;
}

}  // namespace

void add_record(CLI::App &app, Globals &g)
{
	auto f = std::make_shared<RecordFlags>();
	CLI::App *sub = app.add_subcommand(
		"record", "Sample the call stacks of a command, a process or the whole system and "
			  "write folded stacks (flamegraph.pl input).");
	sub->footer("\nCommand: everything after the options, or after '--', runs under the "
		    "profiler.\nExamples:\n  xpu-perf record ./app arg\n"
		    "  xpu-perf record -p 1234 --duration 10s\n"
		    "  xpu-perf record -o - ./app | flamegraph.pl > app.svg\nSee xpu-perf-record(1).");
	sub->add_option("-F,--freq", f->cfg.freq, "samples per second per CPU")
		->capture_default_str()
		->check(CLI::Range(1, 1000000));
	sub->add_option("-p,--pid", f->pids, "profile existing processes (comma-separated pids)");
	sub->add_flag("-a,--all-cpus", f->cfg.all_cpus, "profile every process on every CPU");
	sub->add_option("--duration", f->duration,
			"stop after this long: 10, 10s, 500ms, 2m (default: when the target exits)");
	sub->add_option("-o,--output", f->cfg.output, "output file; '-' writes to stdout")
		->capture_default_str();
	sub->add_flag("-U,--user-only", f->cfg.user_only, "user-space stacks only");
	sub->add_flag("-K,--kernel-only", f->cfg.kernel_only, "kernel stacks only");
	sub->add_flag("--pid-prefix", f->cfg.pid_prefix,
		      "root frame 'comm-PID' instead of 'comm' (stackcollapse-perf --pid)");
	sub->add_flag("--inline", f->cfg.inlines,
		      "show inlined functions as frames (suffix _[i]); needs DWARF");
	sub->add_flag("--cpu-only", f->cfg.cpu_only, "on-CPU samples only (no off-CPU time)");
	sub->add_flag("--no-off-cpu", f->cfg.no_off_cpu, "leave out off-CPU time");
	sub->add_flag("--off-cpu", f->cfg.off_cpu,
		      "add off-CPU time with -a (on by default for a command or -p)");
	sub->add_flag("--off-cpu-only", f->cfg.off_cpu_only,
		      "only time spent off the CPU (bcc offcputime, folded)");
	sub->add_flag("--wakers", f->cfg.wakers,
		      "append the waker's stack to each off-CPU stack, after a '--' frame");
	sub->add_option("--min-block", f->min_block,
			"ignore off-CPU intervals shorter than this many microseconds (default 1)")
		->check(CLI::NonNegativeNumber);
	sub->add_option("--call-graph", f->cfg.call_graph,
			"how user stacks are walked: fp (frame pointers), dwarf (.eh_frame "
			"tables only), auto (tables, frame pointers where there are none)")
		->capture_default_str();
	sub->add_option("--max-block", f->max_block,
			"ignore off-CPU intervals longer than this many microseconds")
		->check(CLI::NonNegativeNumber);
	sub->callback([f, &g] {
		RecordConfig cfg = to_config(*f, g.command);
		auto sum = run_record(cfg);
		if (!sum)
			fail_with(to_int(sum.error().exit), sum.error().msg);
		for (const auto &line : format_summary(*sum, cfg.output))
			std::fprintf(stderr, "xpu-perf: %s\n", line.c_str());
		if (g.verbose > 0)
			for (const auto &line : quality_table(sum->quality))
				std::fprintf(stderr, "xpu-perf: %s\n", line.c_str());
		if (sum->target_exit && *sum->target_exit != 0 && sum->stop_reason == "target exited")
			std::fprintf(stderr, "xpu-perf: the command exited with status %d\n",
				     *sum->target_exit);
		if (sum->exit_code != 0)
			throw CLI::RuntimeError(sum->exit_code);
	});
}

}  // namespace xpu::cmd
