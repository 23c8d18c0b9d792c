// record --trace-off-cpu: the waits the off-CPU tracer kept, as slices of
// the --trace timeline on their threads' lanes, each with its stack named.
#pragma once

#include <functional>
#include <vector>

#include "gpu/trace_writer.hpp"
#include "profile/event.hpp"
#include "symbolize/symbolizer.hpp"

namespace xpu {

// Adds the timed off-CPU events of `events` to `in` (and names their
// processes and threads), leaving out those `skip` says are not the
// target's (the held child's wait for its release). Stacks shared by many
// waits are named once.
void add_offcpu_timeline(TraceInput &in, const std::vector<Event> &events,
			 const StackStore &stacks, Symbolizer &sym,
			 const std::function<bool(const ThreadStacks &)> &skip);

}  // namespace xpu
