// `record --trace FILE`: a timeline in Chrome's trace-event JSON, the format
// Kineto writes and Perfetto (ui.perfetto.dev) and speedscope open.
//
//   GPU work    "X" events, one lane per device and stream: pid = device,
//               tid = stream (Kineto's layout; Perfetto's JSON import
//               cannot overlap slices on one lane, and one stream's work
//               never overlaps). Names: the kernel (demangled), the copy's
//               direction, "Memset". Args: device, stream, correlation,
//               bytes (copies, memsets), graph id and graph node (a
//               graph's kernels).
//   API calls   "X" events on the launching thread's lane (pid, tid): the
//               interval CUPTI timed (A records) when it sent one, else the
//               hook's moment (dur 0); args carry the launch stack, root
//               first, and the correlation id.
//   flows       "s" at the call, "f" with "bp":"e" at each GPU record it
//               launched; cat and name "ac2g". The id is the correlation id
//               for the first process's first record of a launch; the other
//               records of a graph launch, and other processes, set bits
//               above 32 (process index << 40, record index << 32) so that
//               no two flows share an id.
//   sync waits  "X" events, cat "cuda_sync", on the waiting thread's lane:
//               the call's interval, its stack, and in args "waited for"
//               the µs of each piece of GPU work that ran on the waited
//               stream(s) during it ("[idle]": nothing ran), as the
//               profile's [GPU_Wait] frames split it.
//   off-CPU     with --trace-off-cpu: "X" events, cat "off_cpu", named by
//               the state as the folded leaf is ("[off-cpu:S]"), on the
//               waiting thread's lane: each wait of at least --min-block,
//               args its state and stack (user then kernel frames, root
//               first). A wait inside a CUDA call nests under its slice.
//   names       "M" process_name / thread_name events.
//
// Times are CLOCK_MONOTONIC in µs with 3 decimals (ns exact), as Kineto's:
// bpf_ktime_get_ns() (launches, waits) is that clock, and CUPTI's times are
// moved onto it (lib/gpu/gpu_stream). Pure: the sources keep the timeline
// as timed events (lib/gpu/gpu_timeline; the off-CPU tracer's intervals),
// lib/session/timeline_input turns a session's EventSet into this input
// with the stacks symbolized; this only formats.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/output_file.hpp"
#include "gpu/gpu_stream.hpp"

namespace xpu {

struct TraceApiCall {
	pid_t pid = 0, tid = 0;
	uint32_t corr = 0;
	bool driver = false;  // the driver API (cu*), else the runtime (cuda*)
	std::string api;      // "cudaLaunchKernel"
	uint64_t start = 0, end = 0;  // ns; start == end: the hook's moment
	std::vector<std::string> stack;  // root first, without the API frame
};

// A synchronizing call (stream/device/event synchronize, a synchronous
// copy) and the GPU work it waited for (lib/gpu/gpu_wait_blame).
struct TraceWait {
	pid_t pid = 0, tid = 0;
	uint32_t corr = 0;
	std::string api;                 // "cudaStreamSynchronize"
	uint64_t start = 0, end = 0;     // ns
	std::vector<std::string> stack;  // root first, without the API frame
	std::vector<std::pair<std::string, uint64_t>> waited_for;  // ("sgemm", ns), ("[idle]", ns)
};

// A thread's time off the CPU (--trace-off-cpu).
struct TraceOffCpu {
	pid_t pid = 0, tid = 0;
	char state = '?';                // ps(1) letter: S, D, R, ...
	uint64_t start = 0, end = 0;     // ns
	// Root first: user, then kernel frames. Shared by the waits at one
	// place (a thread blocking in a loop: thousands).
	std::shared_ptr<const std::vector<std::string>> stack;
};

struct TraceInput {
	std::vector<TraceApiCall> calls;
	std::vector<TraceWait> waits;
	std::vector<TraceOffCpu> offcpu;
	std::vector<GpuActivity> gpu;
	std::map<pid_t, std::string> process_names;  // comm per CPU pid
	std::map<std::pair<pid_t, pid_t>, std::string> thread_names;  // (pid, tid) -> comm
};

// A piece of GPU work's name on the timeline: the kernel (demangled),
// "Memcpy HtoD", "Memset"; and its category ("kernel", "gpu_memcpy",
// "gpu_memset"). Shared with the live page's timeline.
std::string gpu_work_name(const GpuActivity &a);
const char *gpu_work_category(GpuKind k);

// The whole document.
std::string trace_json(const TraceInput &in);
// Written to `out` (gzip'd when its path ends in ".gz") and committed.
Result<void> write_trace(const TraceInput &in, OutputFile &out);

}  // namespace xpu
