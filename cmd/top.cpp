// xpu-perf top: flags -> TopConfig -> run_top().
#include <cmath>
#include <cstdio>

#include "commands.hpp"
#include "top/top.hpp"
#include "target_flags.hpp"

namespace xpu::cmd {

namespace {

struct TopFlags {
	TargetFlags target;
	double delay = 1.0;
	std::string sort = "symbol";
	std::string comm;
	bool batch = false;
	uint64_t iterations = 0;
	size_t rows = 20;
	bool gpu = false;
};

}  // namespace

void add_top(CLI::App &app, Globals &g)
{
	auto f = std::make_shared<TopFlags>();
	CLI::App *sub = app.add_subcommand(
		"top", "A live full-screen table of where time goes now: functions, libraries, "
		       "processes or stacks, refreshed every second.");
	sub->footer("\nWithout a command or -p, every process is profiled (-a).\n"
		    "Keys: q quit, p pause, s next sort, / filter, Up/Down move, Enter callers and "
		    "callees of the selected function, Esc back.\n"
		    "When stdout is not a terminal (or with -b), a plain snapshot is printed at "
		    "each refresh.\nExamples:\n  xpu-perf top\n  xpu-perf top -p 1234 --sort stack\n"
		    "  xpu-perf top -b -n 5 -- ./app > top.log\n"
		    "  xpu-perf top --gpu -- python3 train.py\nSee xpu-perf-top(1).");
	add_target_flags(sub, f->target);
	sub->add_option("-d,--delay", f->delay, "seconds between refreshes")
		->capture_default_str()
		->check(CLI::Range(0.05, 3600.0));
	sub->add_option("-s,--sort", f->sort, "rows: symbol (self), total, dso, comm, pid or stack")
		->capture_default_str()
		->check(CLI::IsMember({"symbol", "total", "dso", "comm", "pid", "stack"}));
	sub->add_option("--comm", f->comm, "only threads with this command name");
	sub->add_flag("-b,--batch", f->batch, "plain snapshots, even on a terminal");
	sub->add_option("-n,--iterations", f->iterations, "stop after this many refreshes");
	sub->add_option("--rows", f->rows, "rows per snapshot in batch mode")->capture_default_str();
	sub->add_flag("--gpu", f->gpu,
		      "the GPU view: kernels, copies and memsets by GPU time (--sort total: with "
		      "the functions that launched them); needs a command");
	sub->callback([f, sub, &g] {
		TopConfig cfg;
		cfg.rec = to_config(f->target, g.command);
		if (f->gpu) {
			if (cfg.rec.command.empty())
				fail_with(to_int(ExitCode::usage),
					  "top --gpu needs a command (xpu-perf top --gpu -- ./app): GPU "
					  "work is seen in the CUDA programs xpu-perf starts");
			cfg.rec.gpu_only = true;
			// No CPU sampling: -F is only the unit. 1 ms a sample keeps
			// short kernels from rounding away.
			if (sub->count("--freq") == 0)
				cfg.rec.freq = 1000;
		}
		if (cfg.rec.command.empty() && cfg.rec.pids.empty())
			cfg.rec.all_cpus = true;
		cfg.delay = std::chrono::milliseconds(std::lround(f->delay * 1000));
		parse_top_sort(f->sort, cfg.sort);
		cfg.comm = f->comm;
		cfg.batch = f->batch;
		cfg.iterations = f->iterations;
		cfg.rows = f->rows;
		auto sum = run_top(cfg);
		if (!sum)
			fail_with(to_int(sum.error().exit), sum.error().msg);
		if (sum->exit_code != 0)
			throw CLI::RuntimeError(sum->exit_code);
	});
}

}  // namespace xpu::cmd
