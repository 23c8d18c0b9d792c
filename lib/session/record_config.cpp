#include "session/record_config.hpp"

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
	int modes = cfg.cpu_only + cfg.off_cpu_only + cfg.no_off_cpu + cfg.gpu_only;
	if (modes > 1)
		return fail(ExitCode::usage, "--cpu-only, --off-cpu-only, --no-off-cpu and "
					     "--gpu-only exclude each other");
	if (cfg.gpu_only && cfg.no_gpu)
		return fail(ExitCode::usage, "--gpu-only contradicts --no-gpu");
	if (cfg.gpu_only && (cfg.off_cpu || cfg.wakers))
		return fail(ExitCode::usage, "--gpu-only has no off-CPU time: drop --off-cpu/--wakers");
	if (cfg.gpu_only && cfg.command.empty() && cfg.pids.empty())
		return fail(ExitCode::usage,
			    "--gpu-only needs a command or -p: GPU work is seen in the CUDA programs "
			    "xpu-perf starts (it loads its injector into them), launches in -p "
			    "processes; not system-wide (-a)");
	if (cfg.net && (cfg.cpu_only || cfg.off_cpu_only || cfg.gpu_only))
		return fail(ExitCode::usage, "--net adds a layer: it contradicts --cpu-only, "
					     "--off-cpu-only and --gpu-only");
	if (cfg.off_cpu && (cfg.cpu_only || cfg.no_off_cpu))
		return fail(ExitCode::usage, "--off-cpu contradicts --cpu-only/--no-off-cpu");
	if (cfg.wakers && !resolve_layers(cfg).offcpu)
		return fail(ExitCode::usage, "--wakers needs off-CPU time (with -a, add --off-cpu)");
	if (cfg.trace_off_cpu && cfg.trace.empty())
		return fail(ExitCode::usage,
			    "--trace-off-cpu adds off-CPU intervals to --trace's timeline: give --trace FILE");
	if (cfg.trace_off_cpu && !resolve_layers(cfg).offcpu)
		return fail(ExitCode::usage,
			    "--trace-off-cpu needs off-CPU time: drop --cpu-only, --no-off-cpu or "
			    "--gpu-only (with -a, add --off-cpu)");
	if (!cfg.trace.empty() && !resolve_layers(cfg).gpu && !cfg.trace_off_cpu)
		return fail(ExitCode::usage,
			    "--trace draws the GPU work of a command xpu-perf starts: give a command, "
			    "without --no-gpu, --cpu-only or --off-cpu-only (or add --trace-off-cpu "
			    "for a timeline of off-CPU intervals alone)");
	if (!cfg.trace.empty() && cfg.trace == cfg.output)
		return fail(ExitCode::usage, "--trace and -o name the same file");
	if (!cfg.pprof.empty() && cfg.pprof == cfg.output)
		return fail(ExitCode::usage, "--pprof and -o name the same file");
	if (!cfg.pprof.empty() && cfg.pprof == cfg.trace)
		return fail(ExitCode::usage, "--pprof and --trace name the same file");
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
	return validate_layers(cfg);
}

Layers resolve_layers(const RecordConfig &cfg)
{
	Layers l;
	if (cfg.gpu_only) {
		l.oncpu = l.offcpu = false;
		l.gpu = true;
		return l;
	}
	l.oncpu = !cfg.off_cpu_only;
	l.offcpu = cfg.off_cpu_only ||
		   (!cfg.cpu_only && !cfg.no_off_cpu && (!cfg.all_cpus || cfg.off_cpu));
	l.gpu = !cfg.cpu_only && !cfg.off_cpu_only && !cfg.no_gpu && !cfg.command.empty();
	l.net = cfg.net;
	return l;
}

}  // namespace xpu
