#include "gpu/gpu_correlator.hpp"

#include "gpu/gpu_frames.hpp"

namespace xpu {

GpuCorrelator::GpuCorrelator(GpuCorrelatorOptions opts) : opts_(opts) {}

void GpuCorrelator::set_api_name(pid_t pid, uint32_t domain, uint32_t cbid, const std::string &name)
{
	api_names_[{pid, domain, cbid}] = api_frame(name);
}

void GpuCorrelator::set_comm(pid_t pid, const std::string &comm)
{
	if (!comm.empty())
		comms_[pid] = comm;
}

std::string GpuCorrelator::api_of(const LaunchEvent &l) const
{
	auto it = api_names_.find({l.where.pid, l.domain, l.cbid});
	return it != api_names_.end() ? it->second : unnamed_api_frame(l.domain, l.cbid);
}

void GpuCorrelator::retire(const Launch &l)
{
	if (!l.had_work)
		stats_.launches_without_work++;
}

void GpuCorrelator::add_launch(const LaunchEvent &l, uint64_t now_ns)
{
	stats_.launches++;
	comms_.try_emplace(l.where.pid, l.where.comm);
	Key k{l.where.pid, l.corr};
	auto [it, fresh] = launches_.try_emplace(k);
	if (!fresh)  // the id wrapped: the old launch is done
		retire(it->second);
	it->second = Launch{l, now_ns, ++serial_, false};
	age_.emplace_back(now_ns, k, serial_);
	// Records that came before their launch.
	auto [first, last] = waiting_.equal_range(k);
	for (auto w = first; w != last; ++w)
		attribute(w->second.a, &it->second);
	waiting_.erase(first, last);
	// Bounded: the oldest go first.
	while (launches_.size() > opts_.max_launches && !age_.empty()) {
		auto [arrived, key, serial] = age_.front();
		age_.pop_front();
		auto old = launches_.find(key);
		if (old != launches_.end() && old->second.serial == serial) {
			retire(old->second);
			launches_.erase(old);
			stats_.evicted_early++;
		}
	}
}

void GpuCorrelator::add_activity(const GpuActivity &a, uint64_t now_ns)
{
	stats_.activities++;
	if (a.kind == GpuKind::kernel)
		stats_.kernels++;
	stats_.gpu_ns += a.ns();
	auto it = launches_.find({a.pid, a.corr});
	if (it != launches_.end())
		attribute(a, &it->second);
	else
		waiting_.emplace(Key{a.pid, a.corr}, Waiting{a, now_ns});
}

void GpuCorrelator::attribute(const GpuActivity &a, Launch *l)
{
	ThreadStacks w;
	GpuAttrs g;
	if (l) {
		w = l->ev.where;
		g.api = api_of(l->ev);
		l->had_work = true;
		stats_.matched++;
	} else {
		g.launched = false;
		w.pid = a.pid;
		auto comm = comms_.find(a.pid);
		w.comm = comm != comms_.end() ? comm->second : std::to_string(a.pid);
		stats_.unmatched++;
		stats_.unmatched_ns += a.ns();
	}
	if (opts_.streams)
		g.stream = gpu_stream_frame(a.device, a.stream);
	g.leaf = gpu_leaf_frame(a);
	auto key = std::make_tuple(w.pid, w.tid, w.gen, w.ustack, w.flags, g.launched, g.api,
				   g.stream, g.leaf);
	auto [it, fresh] = out_.try_emplace(key);
	if (fresh)
		it->second = gpu_event(EventKind::gpu_work, std::move(w), std::move(g), 0, 0);
	it->second.weight += a.ns();
	it->second.count++;
}

std::vector<Event> GpuCorrelator::take(uint64_t now_ns, bool final)
{
	for (auto w = waiting_.begin(); w != waiting_.end();) {
		if (final || now_ns >= w->second.arrived + opts_.grace_ns) {
			attribute(w->second.a, nullptr);
			w = waiting_.erase(w);
		} else {
			++w;
		}
	}
	while (!age_.empty()) {
		auto [arrived, key, serial] = age_.front();
		if (!final && now_ns < arrived + opts_.keep_ns)
			break;
		age_.pop_front();
		auto it = launches_.find(key);
		if (it != launches_.end() && it->second.serial == serial) {
			retire(it->second);
			launches_.erase(it);
		}
	}
	std::vector<Event> out;
	out.reserve(out_.size());
	for (auto &[key, e] : out_)
		out.push_back(std::move(e));
	out_.clear();
	return out;
}

}  // namespace xpu
