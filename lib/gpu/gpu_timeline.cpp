#include "gpu/gpu_timeline.hpp"

#include <algorithm>

#include "gpu/gpu_frames.hpp"
#include "gpu/gpu_protocol.h"

namespace xpu {

bool GpuTimeline::full()
{
	if (launches_.size() + activities_.size() + waits_.size() + sync_calls_.size() < kMaxEvents)
		return false;
	dropped_++;
	return true;
}

void GpuTimeline::add_launch(const LaunchEvent &l)
{
	if (l.from_hook && !full())
		launches_.push_back(l);
}

void GpuTimeline::add_activity(const GpuActivity &a)
{
	if (!full())
		activities_.push_back(a);
}

void GpuTimeline::add_api_call(const GpuApiCall &c)
{
	if (c.start == 0 && c.end == 0)
		return;  // CUPTI had no timing
	auto [it, fresh] = api_.try_emplace({c.pid, c.corr}, c.start, c.end);
	if (!fresh) {
		it->second.first = std::min(it->second.first, c.start);
		it->second.second = std::max(it->second.second, c.end);
	}
}

void GpuTimeline::set_api_name(pid_t pid, uint32_t domain, uint32_t cbid, const std::string &name)
{
	api_names_[{pid, domain, cbid}] = api_frame(name);
}

void GpuTimeline::add_waits(std::vector<BlamedWait> waits)
{
	for (auto &w : waits)
		if (!full())
			waits_.push_back(std::move(w));
}

void GpuTimeline::add_sync_call(const LaunchEvent &l)
{
	if (l.from_hook && !full())
		sync_calls_.push_back(l);
}

TraceInput GpuTimeline::take_window(const StackFn &stack_of, int patience)
{
	// A records for calls whose hook never came (or came and went) are
	// not kept past this many: the map would grow with the session.
	constexpr size_t kMaxApiIntervals = 1u << 16;
	TraceInput in;
	in.gpu = std::move(activities_);
	activities_.clear();
	for (auto &l : launches_)
		pending_.push_back({std::move(l), false, 0});
	for (auto &l : sync_calls_)
		pending_.push_back({std::move(l), true, 0});
	launches_.clear();
	sync_calls_.clear();
	std::vector<Pending> later;
	for (auto &p : pending_) {
		const ThreadStacks &w = p.call.where;
		auto [start, end] = api_interval(w.pid, p.call.corr);
		bool timed = end > start;
		if (!timed && p.windows++ < patience) {
			later.push_back(std::move(p));
			continue;
		}
		TraceApiCall c = trace_call(p.call, stack_of);
		if (timed)
			api_.erase({w.pid, p.call.corr});
		name_thread(in, w);
		if (p.sync)
			in.waits.push_back({.pid = c.pid, .tid = c.tid, .corr = c.corr, .api = std::move(c.api),
					    .start = c.start, .end = c.end, .stack = std::move(c.stack), .waited_for = {}});
		else
			in.calls.push_back(std::move(c));
	}
	pending_ = std::move(later);
	if (api_.size() > kMaxApiIntervals)
		api_.clear();
	return in;
}

std::vector<ThreadStacks> GpuTimeline::call_stacks() const
{
	std::vector<ThreadStacks> out;
	for (const auto &l : launches_)
		out.push_back(l.where);
	for (const auto &l : sync_calls_)
		out.push_back(l.where);
	for (const auto &p : pending_)
		out.push_back(p.call.where);
	return out;
}

TraceApiCall GpuTimeline::trace_call(const LaunchEvent &l, const StackFn &stack_of) const
{
	TraceApiCall c{.pid = l.where.pid,
		       .tid = l.where.tid,
		       .corr = l.corr,
		       .driver = l.domain == gpu_proto::kDomainDriver,
		       .api = api_of(l),
		       .start = l.ts_ns,
		       .end = l.ts_ns,
		       .stack = stack_of(l)};
	if (auto [start, end] = api_interval(l.where.pid, l.corr); end > start) {
		c.start = start;
		c.end = end;
	}
	return c;
}

void GpuTimeline::name_thread(TraceInput &in, const ThreadStacks &w)
{
	in.process_names.try_emplace(w.pid, w.comm);
	in.thread_names.try_emplace({w.pid, w.tid}, w.comm);
}

std::string GpuTimeline::api_of(const LaunchEvent &l) const
{
	auto it = api_names_.find({l.where.pid, l.domain, l.cbid});
	return it != api_names_.end() ? it->second : unnamed_api_frame(l.domain, l.cbid);
}

std::pair<uint64_t, uint64_t> GpuTimeline::api_interval(pid_t pid, uint32_t corr) const
{
	auto it = api_.find({pid, corr});
	return it != api_.end() ? it->second : std::pair<uint64_t, uint64_t>{0, 0};
}

TraceInput GpuTimeline::to_trace(const StackFn &stack_of) const
{
	TraceInput in;
	in.gpu = activities_;
	for (const LaunchEvent &l : launches_) {
		name_thread(in, l.where);
		in.calls.push_back(trace_call(l, stack_of));
	}
	for (const BlamedWait &b : waits_) {
		const ThreadStacks &w = b.call.where;
		TraceWait t{.pid = w.pid,
			    .tid = w.tid,
			    .corr = b.call.corr,
			    .api = b.api,
			    .start = b.start,
			    .end = b.end,
			    .stack = stack_of(b.call),
			    .waited_for = {}};
		for (const auto &[leaf, ns] : b.parts) {
			std::string_view what = leaf;
			if (what.starts_with(kGpuWaitPrefix))
				what.remove_prefix(std::string_view(kGpuWaitPrefix).size());
			t.waited_for.emplace_back(what, ns);
		}
		name_thread(in, w);
		in.waits.push_back(std::move(t));
	}
	return in;
}

}  // namespace xpu
