#include "gpu/gpu_timeline.hpp"

#include <algorithm>

#include "gpu/gpu_frames.hpp"
#include "gpu/gpu_protocol.h"

namespace xpu {

bool GpuTimeline::full()
{
	if (launches_.size() + activities_.size() + waits_.size() < kMaxEvents)
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
		const ThreadStacks &w = l.where;
		TraceApiCall c{.pid = w.pid,
			       .tid = w.tid,
			       .corr = l.corr,
			       .driver = l.domain == gpu_proto::kDomainDriver,
			       .api = api_of(l),
			       .start = l.ts_ns,
			       .end = l.ts_ns,
			       .stack = stack_of(l)};
		if (auto [start, end] = api_interval(w.pid, l.corr); end > start) {
			c.start = start;
			c.end = end;
		}
		in.process_names.try_emplace(w.pid, w.comm);
		in.thread_names.try_emplace({w.pid, w.tid}, w.comm);
		in.calls.push_back(std::move(c));
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
		in.process_names.try_emplace(w.pid, w.comm);
		in.thread_names.try_emplace({w.pid, w.tid}, w.comm);
		in.waits.push_back(std::move(t));
	}
	return in;
}

}  // namespace xpu
