#include "session/timeline_input.hpp"

#include <map>
#include <memory>
#include <tuple>

#include "gpu/gpu_timeline.hpp"  // gpu_activity_of

namespace xpu {

namespace {

void name_thread(TraceInput &in, const ThreadStacks &w)
{
	in.process_names.try_emplace(w.pid, w.comm);
	in.thread_names.try_emplace({w.pid, w.tid}, w.comm);
}

TraceApiCall trace_call(const Event &e, const GpuCallAttrs &c, const TimelineStackFn &launch)
{
	return {.pid = e.where.pid,
		.tid = e.where.tid,
		.corr = e.correlation,
		.driver = c.driver,
		.api = c.api,
		.start = e.start_ns,
		.end = e.start_ns + e.dur_ns,
		.stack = launch(e.where)};
}

TraceWait trace_wait(const Event &e, const std::string &api,
		     const std::vector<std::pair<std::string, uint64_t>> &waited_for,
		     const TimelineStackFn &launch)
{
	return {.pid = e.where.pid,
		.tid = e.where.tid,
		.corr = e.correlation,
		.api = api,
		.start = e.start_ns,
		.end = e.start_ns + e.dur_ns,
		.stack = launch(e.where),
		.waited_for = waited_for};
}

void add_offcpu_waits(TraceInput &in, const std::vector<Event> &events, const TimelineStackFn &thread_stack,
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
							  thread_stack(t)))
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

}  // namespace

TraceInput timeline_input(const std::vector<Event> &events, const TimelineNames &names)
{
	TraceInput in;
	// By their attributes, not by timed(): a record CUPTI gave no time is
	// drawn all the same, and the counted gpu_work and gpu_wait events
	// (GpuAttrs) are not.
	for (const Event &e : events) {
		if (e.kind == EventKind::gpu_work && e.has<GpuRecordAttrs>()) {
			in.gpu.push_back(gpu_activity_of(e));
		} else if (e.kind == EventKind::gpu_call && e.has<GpuCallAttrs>()) {
			const GpuCallAttrs &c = e.as<GpuCallAttrs>();
			name_thread(in, e.where);
			if (c.sync)  // live: a synchronizing call, not yet blamed
				in.waits.push_back(trace_wait(e, c.api, {}, names.launch));
			else
				in.calls.push_back(trace_call(e, c, names.launch));
		} else if (e.kind == EventKind::gpu_wait && e.has<GpuWaitAttrs>()) {
			const GpuWaitAttrs &w = e.as<GpuWaitAttrs>();
			name_thread(in, e.where);
			in.waits.push_back(trace_wait(e, w.api, w.waited_for, names.launch));
		}
	}
	// After the GPU's: an off-CPU wait's comm, the latest, names its thread.
	if (names.thread)
		add_offcpu_waits(in, events, names.thread, names.skip);
	return in;
}

}  // namespace xpu
