#include "session/offcpu_timeline.hpp"

#include <map>
#include <tuple>

#include "profile/profile_builder.hpp"

namespace xpu {

void add_offcpu_timeline(TraceInput &in, const std::vector<Event> &events,
			 const StackStore &stacks, Symbolizer &sym,
			 const std::function<bool(const ThreadStacks &)> &skip)
{
	// A thread that blocks in a loop waits in the same few places: one
	// symbolization per place, not per wait (a second of ping-pong is
	// 100k waits).
	using Place = std::tuple<pid_t, uint32_t, uint64_t, uint64_t, uint32_t>;
	std::map<Place, std::shared_ptr<const std::vector<std::string>>> named;
	for (const Event &w : events) {
		if (w.kind != EventKind::off_cpu || !w.timed())
			continue;
		const ThreadStacks &t = w.where;
		if (skip && skip(t))
			continue;
		Place place{t.pid, t.gen, t.ustack, t.kstack, t.flags};
		auto it = named.find(place);
		if (it == named.end())
			it = named.emplace(place, std::make_shared<const std::vector<std::string>>(
							  thread_frames(t, stacks, sym)))
				 .first;
		in.offcpu.push_back({.pid = t.pid,
				     .tid = t.tid,
				     .state = w.offcpu().state,
				     .start = w.start_ns,
				     .end = w.start_ns + w.dur_ns,
				     .stack = it->second});
		// In the order they ended: the latest name a thread had wins.
		in.thread_names.insert_or_assign({t.pid, t.tid}, t.comm);
		if (t.tid == t.pid)
			in.process_names.insert_or_assign(t.pid, t.comm);
		else
			in.process_names.try_emplace(t.pid, t.comm);
	}
}

}  // namespace xpu
