// One profiling session's machinery, shared by `record`, `top` and `live`:
// the target (a launched command, -p processes, or -a), the kernel-side
// sources, the unwind tables and the symbolizer, and the bookkeeping of the
// target's processes while it runs. The sources hand over events
// (profile/event.hpp): counts, and the timed events of a timeline (--trace,
// live --http), in one EventSet. What is done with them (one file at the
// end, or a view per window) is the caller's business.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "kernel/bpf_session.hpp"
#include "kernel/unwind_report.hpp"
#include "session/config.hpp"
#include "session/session_end.hpp"
#include "gpu/gpu_source.hpp"
#include "gpu/trace_writer.hpp"
#include "output/pprof_record.hpp"
#include "base/error.hpp"
#include "profile/profile.hpp"
#include "profile/profile_builder.hpp"
#include "profile/event.hpp"

namespace xpu {

class ProfileSession {
public:
	using Clock = std::chrono::steady_clock;

	// `windows`: the caller reads the counts window by window
	// (take_window) rather than once at the end (collect).
	ProfileSession(const RecordConfig &cfg, bool windows);
	~ProfileSession();
	ProfileSession(const ProfileSession &) = delete;
	ProfileSession &operator=(const ProfileSession &) = delete;

	// Checks the flags, starts the command held before its exec (or finds
	// the -p processes), checks what the machine must offer, then loads and
	// attaches everything. `after_target` runs once the target exists and
	// before any privileged step (record opens its output file there, so
	// a bad -o is reported before a missing privilege).
	Result<void> open(const std::function<Result<void>()> &after_target = {});

	// Lets the command run (on the first call) and follows its processes
	// until `until`. Returns why the session should end as soon as it
	// should, or nothing at `until`.
	Result<std::optional<StopReason>> run_until(Clock::time_point until);

	// What the sources counted since the previous call (since the start for
	// the first), waits still open counted up to now; needs `windows`.
	Result<EventSet> take_window();

	// Detaches the sources, counts the waits still open, takes a last look
	// at the processes' mappings, and ends a command that is still running
	// (SIGTERM, as perf does), unless it ended by itself.
	Result<void> stop();

	// Everything counted (after stop(), for record; once: it moves the
	// GPU layer's last events and the waits kept for the timeline out).
	Result<EventSet> collect();

	// Symbolized folded stacks of `set`.
	Profile build(const EventSet &set, StackQuality *quality = nullptr);
	// `set` as a gzip'd pprof profile with thread ids and mappings
	// (record --pprof), its stacks those build() folds.
	Result<std::string> build_pprof(const EventSet &set, const PprofRecordOptions &opts);
	// The network layer's stacks of `set` with bytes and calls apart.
	std::vector<NetStackCount> build_net(const EventSet &set);

	// On-CPU samples of `set` per library of the sampled instruction:
	// "[kernel.kallsyms]" when in the kernel, "[libc.so.6]", ... (top's dso view).
	std::map<std::string, double> leaf_modules(const EventSet &set);

	BpfStats stats() const;
	// The unwind tables' state; nothing without tables (--call-graph fp).
	std::optional<UnwindReport> unwind_report() const;
	std::string event_name() const;  // "cpu-clock", "cycles", "sched_switch", "cupti", "uprobes"
	int freq() const;
	bool offcpu() const;
	bool net() const;  // the network layer is attached
	// The timeline of GPU launches and work (--trace) and, with
	// --trace-off-cpu, of the waits: `set`'s timed events (collect() puts
	// the GPU layer's there), stacks symbolized from `set`.
	TraceInput trace_input(const EventSet &set);
	// --trace-off-cpu: waits left out of the timeline (its ring buffer was
	// full, or past OffCpuTracer::kMaxIntervals); the profile has them.
	uint64_t offcpu_trace_dropped() const;
	// live --http: the window's part of the GPU timeline (config
	// timeline_windows): the timed GPU events take_window() put in `set`,
	// stacks symbolized; empty without a GPU layer.
	TraceInput take_trace_window(const EventSet &set);
	// What the GPU layer saw; nothing when it is off.
	std::optional<GpuSummary> gpu_summary() const;
	// The command's pid, or 0 when there is none.
	pid_t command_pid() const;
	// Waits up to `timeout_ms` for the command and returns its wait status.
	std::optional<int> wait_command(int timeout_ms);

	struct Impl;

private:
	std::unique_ptr<Impl> impl_;
};

}  // namespace xpu
