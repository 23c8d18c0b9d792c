// The --trace timeline's input (gpu/trace_writer's TraceInput) from an
// EventSet's timed events, for record --trace and the live page alike:
// GPU records (gpu_work) on their device and stream lanes, API calls
// (gpu_call) and blamed sync waits (gpu_wait) on their threads' lanes, and
// with --trace-off-cpu the off-CPU waits, each with its stack named. Pure:
// the caller names the stacks (record symbolizes them from the set's
// stacks; live keeps a launch stack's frames from the window it was first
// seen in). Counted events (no time) are not drawn.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "gpu/trace_writer.hpp"
#include "profile/event.hpp"

namespace xpu {

// A thread's stack as the timeline shows it, root first.
using TimelineStackFn = std::function<std::vector<std::string>(const ThreadStacks &)>;

struct TimelineNames {
	// A GPU call's or wait's: the user stack, without the API frame.
	TimelineStackFn launch;
	// An off-CPU wait's: user, then kernel frames. Without it, off-CPU
	// waits are left out (the live page does not draw them).
	TimelineStackFn thread;
	// Off-CPU waits that are not the target's (the held child's wait for
	// its release).
	std::function<bool(const ThreadStacks &)> skip;
};

// The timeline of `events`' timed events: GPU work, calls and waits in the
// order they are in `events`, then the off-CPU waits; processes and threads
// named by the comm their events carry.
TraceInput timeline_input(const std::vector<Event> &events, const TimelineNames &names);

}  // namespace xpu
