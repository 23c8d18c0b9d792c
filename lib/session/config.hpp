// Plain settings structs, filled by cmd/ from flags and read by lib/.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernel/call_graph.hpp"

namespace xpu {

struct RecordConfig {
	int freq = 99;                      // -F, samples per second per CPU
	std::vector<pid_t> pids;            // -p
	bool all_cpus = false;              // -a: every process
	std::optional<std::chrono::nanoseconds> duration;  // --duration
	std::string output = "xpu-perf.folded";            // -o, "-" = stdout
	bool user_only = false;             // -U
	bool kernel_only = false;           // -K
	bool pid_prefix = false;            // --pid-prefix: root frame "comm-PID"
	bool inlines = false;               // --inline
	bool python_lines = true;           // --no-python-lines clears: "f (file.py)"
	bool python_interpreter = false;    // --python-interpreter-frames
	std::vector<std::string> command;   // the command to launch, if any

	// Layers. Off-CPU time is on by default for a command or -p, off for
	// -a (it costs more system-wide) unless --off-cpu asks for it.
	bool cpu_only = false;              // --cpu-only: on-CPU samples only
	bool no_off_cpu = false;            // --no-off-cpu
	bool off_cpu = false;               // --off-cpu (with -a)
	bool off_cpu_only = false;          // --off-cpu-only
	bool wakers = false;                // --wakers
	std::optional<uint64_t> min_block_us;  // --min-block (default 1)
	std::optional<uint64_t> max_block_us;  // --max-block

	CallGraph call_graph = CallGraph::automatic;  // --call-graph (kCallGraphModes)

	// GPU: on by default for a command (CUDA loads the injector into it);
	// a process that is already running (-p, -a) cannot be injected.
	bool gpu_only = false;              // --gpu-only: GPU work under its launch stacks
	bool no_gpu = false;                // --no-gpu
	bool gpu_streams = false;           // --gpu-streams: a device:stream frame
	std::string gpu_injector;           // --gpu-injector: instead of the built-in one
	std::string trace;                  // --trace FILE: a timeline (trace-event JSON)
	bool trace_off_cpu = false;         // --trace-off-cpu: each wait on the timeline too
	std::string pprof;                  // --pprof FILE: the profile as pprof, thread ids and mappings kept
	bool timeline_windows = false;      // live --http: the GPU timeline a window at a time

	// Network: bytes sent and received per stack and peer; off by default.
	bool net = false;                   // --net
};

// Which sources a record session runs, from the flags above.
struct Layers {
	bool oncpu = true;
	bool offcpu = false;
	bool gpu = false;  // asked for; whether it can run is known at start
	bool net = false;
};

}  // namespace xpu
