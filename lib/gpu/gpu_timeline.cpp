#include "gpu/gpu_timeline.hpp"

#include <algorithm>
#include <string_view>

#include "gpu/gpu_frames.hpp"
#include "gpu/gpu_protocol.h"

namespace xpu {

Event gpu_record_event(const GpuActivity &a, std::shared_ptr<const EventAttrs> attrs)
{
	Event e;  // weight 0: its ns are in the correlator's events
	e.kind = EventKind::gpu_work;
	e.where.pid = a.pid;
	e.start_ns = a.start;
	e.dur_ns = a.end - a.start;  // unsigned: start + dur is `end` again, whatever it was
	e.correlation = a.corr;
	e.attrs = std::move(attrs);
	return e;
}

GpuActivity gpu_activity_of(const Event &e)
{
	GpuActivity a;
	static_cast<GpuRecordAttrs &>(a) = e.as<GpuRecordAttrs>();
	a.pid = e.where.pid;
	a.corr = e.correlation;
	a.start = e.start_ns;
	a.end = e.start_ns + e.dur_ns;
	return a;
}

bool GpuTimeline::full()
{
	if (launches_.size() + records_.size() + waits_.size() + sync_calls_.size() < kMaxEvents)
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
		records_.push_back(gpu_record_event(a, record_attrs_.get(static_cast<const GpuRecordAttrs &>(a))));
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
	for (auto &b : waits) {
		if (full())
			continue;
		GpuWaitAttrs attrs{.api = std::move(b.api), .waited_for = {}};
		for (auto &[leaf, ns] : b.parts) {
			std::string_view what = leaf;
			if (what.starts_with(kGpuWaitPrefix))
				what.remove_prefix(std::string_view(kGpuWaitPrefix).size());
			attrs.waited_for.emplace_back(what, ns);
		}
		Event e;  // weight 0: its ns are in the wait blame's events
		e.kind = EventKind::gpu_wait;
		e.where = std::move(b.call.where);
		e.start_ns = b.start;
		e.dur_ns = b.end - b.start;
		e.correlation = b.call.corr;
		e.attrs = std::make_shared<const EventAttrs>(std::move(attrs));
		waits_.push_back(std::move(e));
	}
}

void GpuTimeline::add_sync_call(const LaunchEvent &l)
{
	if (l.from_hook && !full())
		sync_calls_.push_back(l);
}

Event GpuTimeline::call_event(const LaunchEvent &l, bool sync)
{
	Event e;  // weight 0: a call has no weight of its own
	e.kind = EventKind::gpu_call;
	e.where = l.where;
	e.start_ns = l.ts_ns;
	e.correlation = l.corr;
	if (auto [start, end] = api_interval(l.where.pid, l.corr); end > start) {
		e.start_ns = start;
		e.dur_ns = end - start;
	}
	e.attrs = call_attrs_.get(
		{.api = api_of(l), .driver = l.domain == gpu_proto::kDomainDriver, .sync = sync});
	return e;
}

void GpuTimeline::take_all(std::vector<Event> &out)
{
	out.reserve(out.size() + records_.size() + launches_.size() + waits_.size());
	for (auto &e : records_)
		out.push_back(std::move(e));
	for (const LaunchEvent &l : launches_)
		out.push_back(call_event(l, false));
	for (auto &e : waits_)
		out.push_back(std::move(e));
	records_ = {};
	launches_ = {};
	waits_ = {};
}

void GpuTimeline::take_window(std::vector<Event> &out, int patience)
{
	// A records for calls whose hook never came (or came and went) are
	// not kept past this many: the map would grow with the session.
	constexpr size_t kMaxApiIntervals = 1u << 16;
	for (auto &e : records_)
		out.push_back(std::move(e));
	records_.clear();
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
		out.push_back(call_event(p.call, p.sync));
		if (timed)
			api_.erase({w.pid, p.call.corr});
	}
	pending_ = std::move(later);
	if (api_.size() > kMaxApiIntervals)
		api_.clear();
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

}  // namespace xpu
