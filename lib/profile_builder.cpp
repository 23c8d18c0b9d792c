#include "profile_builder.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "bpf/common.h"
#include "weights.hpp"

namespace xpu {

namespace {

std::span<const uint64_t> stack_of(const StackStore &stacks, uint64_t hash)
{
	if (hash == 0)
		return {};
	auto it = stacks.find(hash);
	return it == stacks.end() ? std::span<const uint64_t>() : it->second;
}

// Symbolizer frames are folded-safe already (see symbolizer.hpp).
void append(std::vector<std::string> &to, std::vector<std::string> &&from)
{
	for (auto &f : from)
		to.push_back(std::move(f));
}

// A kernel stack taken inside a tracepoint program ends (leaf side) in the
// tracing machinery itself: bpf_prog_<tag>_on_switch, bpf_trace_run4,
// __bpf_trace_sched_switch, __traceiter_sched_switch. Those frames are the
// profiler, not the program; the leaf that matters is __schedule.
std::vector<std::string> without_tracer_frames(std::vector<std::string> frames)
{
	static constexpr std::string_view kTracer[] = {"bpf_prog_", "bpf_trace_run", "__bpf_trace_",
							"__traceiter_"};
	auto is_tracer = [](const std::string &f) {
		for (auto prefix : kTracer)
			if (f.starts_with(prefix))
				return true;
		return false;
	};
	while (!frames.empty() && is_tracer(frames.back()))
		frames.pop_back();
	return frames;
}

// The user and kernel frames of one thread, root first.
void append_stacks(std::vector<std::string> &frames, const ThreadStacks &t,
		   const StackStore &stacks, Symbolizer &sym)
{
	if (t.flags & XPU_KEY_USTACK_ERR)
		frames.emplace_back(kMissedUserStack);
	else if (auto us = stack_of(stacks, t.ustack); !us.empty())
		append(frames, sym.user_stack(t.pid, t.gen, us));
	if (t.flags & XPU_KEY_KSTACK_ERR)
		frames.emplace_back(kMissedKernelStack);
	else if (auto ks = stack_of(stacks, t.kstack); !ks.empty())
		append(frames, without_tracer_frames(sym.kernel_stack(ks)));
}

std::string root_frame(const ThreadStacks &t, const StackLayout &layout)
{
	return clean_frame(layout.pid_prefix ? fmt::format("{}-{}", t.comm, t.pid) : t.comm);
}

std::string join(const std::vector<std::string> &frames)
{
	std::string s;
	for (const auto &f : frames) {
		if (!s.empty())
			s += ';';
		s += f;
	}
	return s;
}

std::string offcpu_stack(const OffCpuCount &c, const StackStore &stacks, Symbolizer &sym,
			 const StackLayout &layout)
{
	std::vector<std::string> frames = {root_frame(c.where, layout)};
	append_stacks(frames, c.where, stacks, sym);
	frames.push_back(offcpu_frame(c.state));
	if (c.has_waker) {
		std::vector<std::string> waker;
		append_stacks(waker, c.waker, stacks, sym);
		frames.emplace_back(kWakerSeparator);
		frames.insert(frames.end(), waker.rbegin(), waker.rend());  // leaf first
		frames.push_back(clean_frame(c.waker.comm));
	}
	return join(frames);
}

}  // namespace

std::string offcpu_frame(char state) { return fmt::format("{}{}]", kOffCpuPrefix, state); }

Profile build_profile(const SampleSet &set, Symbolizer &sym, const StackLayout &layout)
{
	Profile p;
	std::vector<std::string> frames;
	for (const auto &c : set.oncpu) {
		frames = {root_frame(c.where, layout)};
		append_stacks(frames, c.where, set.stacks, sym);
		p.add(frames, c.count);
	}
	// Off-CPU time is summed per folded stack first and converted once, so
	// rounding happens once per line, not once per kernel-side key; a
	// sorted map keeps rounding ties independent of hash order.
	std::map<std::string, uint64_t> offcpu_ns;
	for (const auto &c : set.offcpu)
		offcpu_ns[offcpu_stack(c, set.stacks, sym, layout)] += c.ns;
	std::vector<uint64_t> ns;
	for (const auto &[stack, v] : offcpu_ns)
		ns.push_back(v);
	auto weights = ns_to_samples(ns, layout.freq);
	size_t i = 0;
	for (const auto &[stack, v] : offcpu_ns)
		p.add_folded(stack, weights[i++]);
	return p;
}

uint64_t ProcessTime::offcpu_total_ns() const
{
	uint64_t t = 0;
	for (const auto &[state, ns] : offcpu_ns)
		t += ns;
	return t;
}

std::vector<ProcessTime> process_times(const SampleSet &set, int freq)
{
	std::unordered_map<pid_t, ProcessTime> by_pid;
	auto entry = [&](const ThreadStacks &t) -> ProcessTime & {
		ProcessTime &p = by_pid[t.pid];
		p.pid = t.pid;
		if (p.comm.empty() || t.tid == t.pid)  // the main thread names the process
			p.comm = t.comm;
		return p;
	};
	for (const auto &c : set.oncpu)
		entry(c.where).oncpu_samples += c.count;
	for (const auto &c : set.offcpu)
		entry(c.where).offcpu_ns[c.state] += c.ns;
	std::vector<ProcessTime> out;
	for (auto &[pid, p] : by_pid)
		out.push_back(std::move(p));
	auto total = [freq](const ProcessTime &p) {
		return static_cast<double>(p.oncpu_samples) / freq + p.offcpu_total_ns() / 1e9;
	};
	std::sort(out.begin(), out.end(), [&](const ProcessTime &a, const ProcessTime &b) {
		return total(a) != total(b) ? total(a) > total(b) : a.pid < b.pid;
	});
	return out;
}

}  // namespace xpu
