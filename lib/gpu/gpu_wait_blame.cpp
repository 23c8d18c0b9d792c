#include "gpu/gpu_wait_blame.hpp"

#include <algorithm>

#include "gpu/gpu_frames.hpp"
#include "gpu/gpu_protocol.h"

namespace xpu {

std::vector<std::pair<std::string, uint64_t>> split_wait(uint64_t start, uint64_t end,
							 const std::vector<const GpuSpan *> &spans)
{
	std::vector<std::pair<std::string, uint64_t>> out;
	if (end <= start)
		return out;
	// Sweep the clipped spans' edges; between two edges the running spans
	// share the time equally (the remainder to the first of them, so that
	// the parts add up exactly).
	struct Edge {
		uint64_t t;
		bool begins;
		size_t span;
	};
	std::vector<Edge> edges;
	for (size_t i = 0; i < spans.size(); i++) {
		uint64_t s = std::max(start, spans[i]->start), e = std::min(end, spans[i]->end);
		if (s < e) {
			edges.push_back({s, true, i});
			edges.push_back({e, false, i});
		}
	}
	std::sort(edges.begin(), edges.end(), [](const Edge &a, const Edge &b) {
		return a.t != b.t ? a.t < b.t : a.begins < b.begins;  // ends first
	});
	std::map<std::string, size_t> slot;  // leaf -> index in out
	auto add = [&](const std::string &leaf, uint64_t ns) {
		auto [it, fresh] = slot.try_emplace(leaf, out.size());
		if (fresh)
			out.emplace_back(leaf, 0);
		out[it->second].second += ns;
	};
	std::vector<size_t> running;
	uint64_t idle = 0, t = start;
	for (const Edge &e : edges) {
		uint64_t dt = e.t - t;
		if (dt && running.empty()) {
			idle += dt;
		} else if (dt) {
			uint64_t share = dt / running.size();
			for (size_t i = 0; i < running.size(); i++)
				add(spans[running[i]]->leaf, share + (i == 0 ? dt % running.size() : 0));
		}
		t = e.t;
		if (e.begins)
			running.push_back(e.span);
		else
			running.erase(std::find(running.begin(), running.end(), e.span));
	}
	idle += end - t;
	if (idle)
		out.emplace_back(kGpuWaitIdle, idle);
	return out;
}

std::string gpu_wait_leaf(const GpuActivity &a)
{
	std::string leaf = gpu_leaf_frame(a);
	switch (a.kind) {
	case GpuKind::kernel:
		return kGpuWaitPrefix + leaf.substr(std::string_view(kGpuKernelPrefix).size());
	case GpuKind::memcpy:
		return std::string(kGpuWaitPrefix) + "memcpy " +
		       leaf.substr(std::string_view(kGpuMemcpyPrefix).size());
	case GpuKind::memset:
		return std::string(kGpuWaitPrefix) + "memset";
	}
	return kGpuWaitPrefix;
}

void GpuWaitBlame::add_wait(const LaunchEvent &l)
{
	stats_.waits++;
	waits_.push_back(l);
}

void GpuWaitBlame::set_api_name(pid_t pid, uint32_t domain, uint32_t cbid, const std::string &name)
{
	api_names_[{pid, domain, cbid}] = api_frame(name);
}

std::string GpuWaitBlame::api_of(const LaunchEvent &l) const
{
	auto it = api_names_.find({l.where.pid, l.domain, l.cbid});
	return it != api_names_.end() ? it->second : unnamed_api_frame(l.domain, l.cbid);
}

void GpuWaitBlame::add_api_call(const GpuApiCall &c)
{
	auto [it, fresh] = intervals_.try_emplace({c.pid, c.corr}, c.start, c.end);
	if (!fresh) {
		it->second.first = std::min(it->second.first, c.start);
		it->second.second = std::max(it->second.second, c.end);
	}
}

void GpuWaitBlame::add_sync(const GpuSync &y)
{
	if (y.type == gpu_proto::kSyncStream)
		waited_stream_[{y.pid, y.corr}] = y.stream;
}

void GpuWaitBlame::add_activity(const GpuActivity &a)
{
	auto &v = spans_[a.pid];
	if (v.size() >= kMaxSpans)
		v.erase(v.begin(), v.begin() + static_cast<long>(kMaxSpans / 4));
	v.push_back({a.start, a.end, a.stream, gpu_wait_leaf(a)});
}

std::vector<Event> GpuWaitBlame::take(std::vector<BlamedWait> *slices)
{
	using OutKey = std::tuple<pid_t, pid_t, uint32_t, uint64_t, uint32_t, std::string, std::string>;
	std::map<OutKey, Event> out;
	for (auto &[pid, v] : spans_)
		std::sort(v.begin(), v.end(), [](const GpuSpan &a, const GpuSpan &b) { return a.start < b.start; });
	for (const LaunchEvent &w : waits_) {
		Key k{w.where.pid, w.corr};
		std::string api = api_of(w);
		auto iv = intervals_.find(k);
		if (iv == intervals_.end())
			continue;  // no API record: the wait was not timed
		auto [start, end] = iv->second;
		auto stream = waited_stream_.find(k);
		std::vector<const GpuSpan *> spans;
		if (auto p = spans_.find(k.first); p != spans_.end())
			for (const GpuSpan &s : p->second) {
				if (s.start >= end)
					break;
				if (s.end > start && (stream == waited_stream_.end() || s.stream == stream->second))
					spans.push_back(&s);
			}
		stats_.blamed++;
		stats_.wait_ns += end > start ? end - start : 0;
		auto parts = split_wait(start, end, spans);
		if (slices)
			slices->push_back({w, api, start, end, parts});
		for (auto &[leaf, ns] : parts) {
			if (leaf == kGpuWaitIdle)
				stats_.idle_ns += ns;
			const ThreadStacks &t = w.where;
			auto [it, fresh] = out.try_emplace(OutKey{t.pid, t.tid, t.gen, t.ustack, t.flags, api, leaf});
			if (fresh)
				it->second = gpu_event(EventKind::gpu_wait, t, GpuAttrs{.api = api, .stream = {}, .leaf = leaf}, 0, 0);
			it->second.weight += ns;
			it->second.count++;
		}
	}
	waits_.clear();
	std::vector<Event> v;
	for (auto &[key, e] : out)
		v.push_back(std::move(e));
	return v;
}

}  // namespace xpu
