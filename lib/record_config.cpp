#include "record_config.hpp"

namespace xpu {

namespace {

Result<void> validate_target(const RecordConfig &cfg)
{
	if (!cfg.pids.empty() && !cfg.command.empty())
		return fail(ExitCode::usage, "give either -p PID or a command, not both");
	if (!cfg.pids.empty() && cfg.all_cpus)
		return fail(ExitCode::usage, "give either -p PID or -a, not both");
	if (cfg.pids.empty() && cfg.command.empty() && !cfg.all_cpus)
		return fail(ExitCode::usage, "nothing to profile: give a command, -p PID or -a");
	return {};
}

Result<void> validate_layers(const RecordConfig &cfg)
{
	int modes = cfg.cpu_only + cfg.off_cpu_only + cfg.no_off_cpu;
	if (modes > 1)
		return fail(ExitCode::usage,
			    "--cpu-only, --off-cpu-only and --no-off-cpu exclude each other");
	if (cfg.off_cpu && (cfg.cpu_only || cfg.no_off_cpu))
		return fail(ExitCode::usage, "--off-cpu contradicts --cpu-only/--no-off-cpu");
	if (cfg.wakers && !resolve_layers(cfg).offcpu)
		return fail(ExitCode::usage, "--wakers needs off-CPU time (with -a, add --off-cpu)");
	if (cfg.min_block_us && cfg.max_block_us && *cfg.min_block_us > *cfg.max_block_us)
		return fail(ExitCode::usage, "--min-block {} is above --max-block {}",
			    *cfg.min_block_us, *cfg.max_block_us);
	return {};
}

}  // namespace

Result<void> validate(const RecordConfig &cfg)
{
	if (cfg.freq < 1)
		return fail(ExitCode::usage, "-F must be at least 1 Hz");
	if (cfg.user_only && cfg.kernel_only)
		return fail(ExitCode::usage, "-U and -K exclude each other");
	if (auto r = validate_target(cfg); !r)
		return r;
	if (cfg.call_graph != "fp" && cfg.call_graph != "dwarf" && cfg.call_graph != "auto")
		return fail(ExitCode::usage, "--call-graph must be fp, dwarf or auto, not '{}'",
			    cfg.call_graph);
	return validate_layers(cfg);
}

Layers resolve_layers(const RecordConfig &cfg)
{
	Layers l;
	l.oncpu = !cfg.off_cpu_only;
	l.offcpu = cfg.off_cpu_only ||
		   (!cfg.cpu_only && !cfg.no_off_cpu && (!cfg.all_cpus || cfg.off_cpu));
	return l;
}

}  // namespace xpu
