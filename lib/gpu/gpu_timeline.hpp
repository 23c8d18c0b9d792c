// Everything `record --trace` needs to draw a timeline, kept as it arrives:
// each launch (thread, time, correlation id, stack hashes), each GPU record,
// and the API intervals CUPTI timed (A records). The folded profile sums
// these away; the timeline keeps every one, up to a bound (counted beyond).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gpu/gpu_launch_probe.hpp"
#include "gpu/gpu_stream.hpp"
#include "gpu/gpu_wait_blame.hpp"
#include "gpu/trace_writer.hpp"

namespace xpu {

class GpuTimeline {
public:
	// Past this many launches plus GPU records, more are counted, not kept
	// (about 200 bytes each: 4 M is under 1 GB only with short names).
	static constexpr size_t kMaxEvents = 4u << 20;

	void add_launch(const LaunchEvent &l);
	void add_activity(const GpuActivity &a);
	void add_api_call(const GpuApiCall &c);
	void set_api_name(pid_t pid, uint32_t domain, uint32_t cbid, const std::string &name);
	// Synchronizing calls with what they waited for (known at the end).
	void add_waits(std::vector<BlamedWait> waits);

	const std::vector<LaunchEvent> &launches() const { return launches_; }
	const std::vector<GpuActivity> &activities() const { return activities_; }
	// The launching API's frame name ("cudaLaunchKernel").
	std::string api_of(const LaunchEvent &l) const;
	// The interval CUPTI timed for the call with this id: the outermost of
	// the nested runtime and driver records. {0, 0} when none came.
	std::pair<uint64_t, uint64_t> api_interval(pid_t pid, uint32_t corr) const;
	uint64_t dropped() const { return dropped_; }

	// The trace writer's input: one call per launch, at CUPTI's interval
	// for it or the hook's moment, with the stack `stack_of` gives.
	using StackFn = std::function<std::vector<std::string>(const LaunchEvent &)>;
	TraceInput to_trace(const StackFn &stack_of) const;

	// live --http, a window at a time. A synchronizing call's hook, drawn
	// on its thread's lane as the interval CUPTI timed (without the blame
	// split record --trace gives it: that needs the session's end).
	void add_sync_call(const LaunchEvent &l);
	// What is ready now, then forgotten: GPU records as they came; calls
	// once CUPTI timed them (A records come later than the hook), or at
	// the hook's moment after `patience` windows without one. Memory stays
	// that of a few windows.
	TraceInput take_window(const StackFn &stack_of, int patience = 2);
	// The stacks of the calls take_window has still to give (to fetch
	// with the window's).
	std::vector<ThreadStacks> call_stacks() const;

private:
	bool full();  // counts one dropped event when it says yes
	// A call as the timeline draws it: CUPTI's interval for it, or the
	// hook's moment when none came (record --trace and live share it).
	TraceApiCall trace_call(const LaunchEvent &l, const StackFn &stack_of) const;
	static void name_thread(TraceInput &in, const ThreadStacks &w);

	std::vector<LaunchEvent> launches_;
	std::vector<GpuActivity> activities_;
	std::vector<BlamedWait> waits_;
	std::vector<LaunchEvent> sync_calls_;  // live: synchronizing calls
	struct Pending {
		LaunchEvent call;
		bool sync = false;
		int windows = 0;  // taken this many times without an interval
	};
	std::vector<Pending> pending_;  // live: calls waiting for their A record
	std::map<std::pair<pid_t, uint32_t>, std::pair<uint64_t, uint64_t>> api_;
	std::map<std::tuple<pid_t, uint32_t, uint32_t>, std::string> api_names_;
	uint64_t dropped_ = 0;
};

}  // namespace xpu
