// The GPU layer of a session. Before the command starts: a private run
// directory with the pipe (FIFO) and the CUPTI injector (materialized from
// the binary, or --gpu-injector), and the environment that makes CUDA load
// the injector into the command (CUDA_INJECTION64_PATH) and tells it where
// to write (XPU_PERF_PIPE). Once BPF is loaded: the uprobe on the
// injector's launch hook. While it runs: launches and GPU records read and
// joined (lib/gpu/gpu_correlator). At the end: the streams drained until every
// process said it was done, or a deadline.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernel/bpf_session.hpp"
#include "base/error.hpp"
#include "gpu/gpu_correlator.hpp"
#include "gpu/gpu_stream.hpp"
#include "gpu/gpu_timeline.hpp"
#include "profile/event.hpp"

namespace xpu {

struct GpuSourceOptions {
	std::string injector;  // --gpu-injector: use this library, not the built-in one
	bool streams = false;  // --gpu-streams
	bool timeline = false; // --trace: every launch and record as timed events (lib/gpu/gpu_timeline)
	bool timeline_windows = false;  // live --http: the timeline a window at a time
	// Running processes (-p): no injector, launch counts at the CUDA API's
	// entry points instead (lib/gpu/gpu_entry_points.hpp).
	std::vector<pid_t> entry_pids;
};

// What the GPU layer saw, for the summary line.
struct GpuSummary {
	bool enabled = false;
	bool entry_points = false;    // counted at API entry points: no GPU time
	uint64_t entry_probes = 0;    // entry-point uprobes attached
	uint64_t processes = 0;       // processes whose injector said hello
	uint64_t launches = 0;        // launch stacks taken
	uint64_t kernels = 0;
	uint64_t activities = 0;      // kernels, copies, memsets
	uint64_t matched = 0;         // under their launch stack
	uint64_t gpu_ns = 0;
	uint64_t dropped = 0;         // records the injectors dropped + launches lost
	uint64_t truncated = 0;       // processes whose stream ended without E
	uint64_t malformed = 0;       // pipe lines that did not parse
	uint64_t launches_without_work = 0;
	uint64_t waits = 0;           // synchronizing calls blamed (lib/gpu/gpu_wait_blame)
	uint64_t wait_ns = 0, wait_idle_ns = 0;
	std::vector<std::string> warnings;  // from the injectors, deduplicated
};

// Whether this binary can inject into CUDA programs (an injector is built
// in), or `override` names one.
bool gpu_injector_available(const std::string &override_path);

class GpuSource {
public:
	static Result<std::unique_ptr<GpuSource>> prepare(const GpuSourceOptions &opts);
	~GpuSource();  // removes the run directory

	// "NAME=value" entries for the command's environment.
	std::vector<std::string> environment() const;
	// Attaches the launch hook uprobe (BPF loaded with gpu_launches).
	Result<void> attach(BpfSession &bpf);
	// Descriptors to poll for launches and pipe data.
	std::vector<int> poll_fds() const;
	// Reads what is pending: launches, then the pipe.
	Result<void> pump();
	// Called at the end of each pump() (drain() too) with the user stacks
	// of the launches it read that no earlier pump had: the session reads
	// their Python frames' names while the launching process still lives.
	using StacksFn = std::function<void(const std::vector<ThreadStacks> &)>;
	void on_new_stacks(StacksFn fn);
	// The GPU time joined so far (the end: everything, every launch retired)
	// and the timeline's timed events of weight 0: with `timeline`, all of
	// them at the end; with `timeline_windows`, the window's part at each
	// take(false) (see GpuTimeline::take_window).
	std::vector<Event> take(bool final);
	// Reads until every process that said hello has said goodbye (E), or
	// until `timeout` passes.
	Result<void> drain(std::chrono::milliseconds timeout);
	void detach();
	GpuSummary summary() const;
	// Launches counted at API entry points (-p), not GPU work from an injector.
	bool counts_launches() const;
	// GPU records, calls and waits past GpuTimeline::kMaxEvents, left out
	// of the timeline (not of the profile).
	uint64_t timeline_dropped() const;
	// With `timeline_windows`: the stacks of the calls the timeline has
	// still to give (GpuTimeline::call_stacks); empty without.
	std::vector<ThreadStacks> timeline_call_stacks() const;

	struct Impl;

private:
	explicit GpuSource(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

}  // namespace xpu
