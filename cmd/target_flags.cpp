#include "target_flags.hpp"

#include "base/parse.hpp"

namespace xpu::cmd {

void add_target_flags(CLI::App *sub, TargetFlags &f)
{
	sub->add_option("-F,--freq", f.cfg.freq, "samples per second per CPU")
		->capture_default_str()
		->check(CLI::Range(1, 1000000));
	sub->add_option("-p,--pid", f.pids, "profile existing processes (comma-separated pids)");
	sub->add_flag("-a,--all-cpus", f.cfg.all_cpus, "profile every process on every CPU");
	sub->add_option("--duration", f.duration,
			"stop after this long: 10, 10s, 500ms, 2m (default: when the target exits)");
	sub->add_flag("-U,--user-only", f.cfg.user_only, "user-space stacks only");
	sub->add_flag("-K,--kernel-only", f.cfg.kernel_only, "kernel stacks only");
	sub->add_flag("--inline", f.cfg.inlines,
		      "show inlined functions as frames (suffix _[i]); needs DWARF");
	sub->add_flag("--no-python-lines", f.no_python_lines,
		      "a Python function is one frame, 'qualname (file.py)', without its line");
	sub->add_flag("--python-interpreter-frames", f.cfg.python_interpreter,
		      "keep CPython's eval-loop native frames beside the Python frames they ran");
	sub->add_flag("--cpu-only", f.cfg.cpu_only, "on-CPU samples only (no off-CPU or GPU time)");
	sub->add_flag("--no-off-cpu", f.cfg.no_off_cpu, "leave out off-CPU time");
	sub->add_flag("--off-cpu", f.cfg.off_cpu,
		      "add off-CPU time with -a (on by default for a command or -p)");
	sub->add_flag("--off-cpu-only", f.cfg.off_cpu_only,
		      "only time spent off the CPU (bcc offcputime, folded)");
	sub->add_option("--min-block", f.min_block,
			"ignore off-CPU intervals shorter than this many microseconds (default 1)")
		->check(CLI::NonNegativeNumber);
	sub->add_option("--max-block", f.max_block,
			"ignore off-CPU intervals longer than this many microseconds")
		->check(CLI::NonNegativeNumber);
	sub->add_flag("--gpu-only", f.cfg.gpu_only,
		      "only GPU work (kernels, copies, memsets), each under the CPU stack that "
		      "launched it");
	sub->add_flag("--no-gpu", f.cfg.no_gpu,
		      "leave out GPU work (on by default for a command; CUDA programs only)");
	sub->add_flag("--gpu-streams", f.cfg.gpu_streams,
		      "add a [GPU_Stream]DEVICE:STREAM frame above each GPU leaf");
	sub->add_option("--gpu-injector", f.cfg.gpu_injector,
			"load this CUPTI injector library into the command instead of the "
			"built-in one");
	sub->add_flag("--net", f.cfg.net,
		      "add network I/O: bytes sent and received per stack and peer, and TCP "
		      "retransmits ([net:send]PEER leaves, weight in bytes)");
	sub->add_option("--call-graph", f.call_graph,
			"how user stacks are walked: fp (frame pointers), dwarf (.eh_frame "
			"tables only), auto (tables, frame pointers where there are none)")
		->capture_default_str()
		->check(CLI::IsMember(call_graph_names()));
}

RecordConfig to_config(const TargetFlags &f, const std::vector<std::string> &command)
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
	auto mode = call_graph_from_name(f.call_graph);
	if (!mode)  // the flag's IsMember check stops this first; kept for other callers
		fail_with(to_int(ExitCode::usage), "--call-graph: unknown mode " + f.call_graph);
	cfg.call_graph = *mode;
	cfg.python_lines = !f.no_python_lines;
	cfg.min_block_us = f.min_block;
	cfg.max_block_us = f.max_block;
	cfg.command = command;
	return cfg;
}

}  // namespace xpu::cmd
