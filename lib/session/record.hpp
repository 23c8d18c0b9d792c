// `record`: one profiling session from start to a written profile. Launches
// or attaches, samples until the target exits, --duration passes or a signal
// arrives, and in every one of those cases writes the complete profile.
#pragma once

#include <optional>
#include <string>

#include "session/config.hpp"
#include "gpu/gpu_source.hpp"
#include "base/error.hpp"
#include "kernel/unwind_report.hpp"
#include "profile/net_totals.hpp"
#include "profile/profile_builder.hpp"
#include "session/session_end.hpp"

namespace xpu {

// With --trace-off-cpu: the waits drawn on the timeline, and those left out
// of it (its ring buffer full; the profile still counts them).
struct OffCpuTimelineCount {
	uint64_t drawn = 0;
	uint64_t dropped = 0;
};

struct RecordSummary {
	uint64_t samples = 0;        // on-CPU samples counted in the kernel
	uint64_t switches = 0;       // off-CPU intervals counted in the kernel
	uint64_t switches_unseen = 0;  // of which the end was not seen (BpfStats)
	uint64_t weight = 0;         // total weight written (== samples unless lost)
	uint64_t stacks = 0;         // unique folded stacks written
	uint64_t lost = 0;           // samples or events dropped (map full, ring full)
	uint64_t stack_errors = 0;   // samples whose stack capture failed
	double seconds = 0;          // wall time sampled
	std::string event;           // "cpu-clock" or "cycles"
	StopReason stop_reason;
	std::optional<int> target_exit;  // shell-style exit code of the command
	int target_signal = 0;           // the signal that killed it, or 0
	int exit_code = 0;               // what xpu-perf should exit with (see record.cpp)
	double exit_to_written_s = 0;    // stop to profile on disk
	int freq = 99;
	std::vector<ProcessTime> processes;  // with off-CPU: time per process
	StackQuality quality;
	std::optional<GpuSummary> gpu;       // with the GPU layer
	bool gpu_only = false;
	std::optional<NetTotals> net;        // with --net
	std::optional<OffCpuTimelineCount> offcpu_timeline;  // with --trace-off-cpu
	std::optional<UnwindReport> unwind;  // the unwind tables, unless --call-graph fp
};

Result<RecordSummary> run_record(const RecordConfig &cfg);

// The summary printed on stderr: one line, then with off-CPU time one line
// per process (the 5 with the most time) splitting on-CPU from off-CPU.
std::vector<std::string> format_summary(const RecordSummary &s, const std::string &output);

// With -v: where the stacks that are not rooted ended, per reason and
// binary (saying so where the binary had no unwind table), and the tables'
// state.
std::vector<std::string> quality_table(const StackQuality &q,
				       const std::optional<UnwindReport> &unwind = std::nullopt);

}  // namespace xpu
