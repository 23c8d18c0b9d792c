#include "session/python_prefetch.hpp"

#include <unordered_set>

namespace xpu {

namespace {

struct Want {
	pid_t pid;
	uint32_t gen;
	uint64_t hash;
};

// Fetches the wanted stacks and reads their Python frames' code objects.
size_t read_wanted(const std::vector<Want> &wants, const BpfSession &bpf, Symbolizer &sym, StackStore &cache)
{
	if (wants.empty())
		return 0;
	std::vector<uint64_t> hashes;
	for (const auto &w : wants)
		hashes.push_back(w.hash);
	StackStore fresh;
	if (!bpf.fetch_stacks(hashes, fresh))
		return 0;
	for (const auto &w : wants) {
		auto it = fresh.find(w.hash);
		if (it != fresh.end())
			sym.read_python_frames(w.pid, w.gen, it->second);
	}
	size_t n = fresh.size();
	for (auto &[h, ips] : fresh)
		cache.try_emplace(h, std::move(ips));
	return n;
}

}  // namespace

size_t prefetch_python_names(const CpuSampler *sampler, const OffCpuTracer *offcpu,
			   const NetTracer *net, const BpfSession &bpf, Symbolizer &sym, StackStore &cache)
{
	std::vector<Want> wants;
	auto add = [&](const ThreadStacks &t) {
		if (t.ustack && !cache.contains(t.ustack))
			wants.push_back({t.pid, t.gen, t.ustack});
	};
	// A failed read leaves those stacks to be named at the end, as before.
	std::vector<Event> events;
	if (sampler)
		(void)sampler->read_events(events);
	if (offcpu)
		(void)offcpu->read_events(events);
	if (net)
		(void)net->read_events(events);
	for (const Event &e : events)
		add(e.where);
	return read_wanted(wants, bpf, sym, cache);
}

size_t prefetch_python_names(const std::vector<ThreadStacks> &stacks, const BpfSession &bpf, Symbolizer &sym,
			   StackStore &cache)
{
	std::vector<Want> wants;
	for (const auto &t : stacks)
		if (t.ustack && !cache.contains(t.ustack))
			wants.push_back({t.pid, t.gen, t.ustack});
	return read_wanted(wants, bpf, sym, cache);
}

}  // namespace xpu
