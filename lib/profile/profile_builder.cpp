#include "profile/profile_builder.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "bpf/common.h"
#include "bpf/unwind.h"
#include "gpu/gpu_frames.hpp"
#include "gpu/gpu_wait_blame.hpp"
#include "profile/weights.hpp"

namespace xpu {

namespace {

std::span<const uint64_t> stack_of(const StackStore &stacks, uint64_t hash)
{
	if (hash == 0)
		return {};
	auto it = stacks.find(hash);
	return it == stacks.end() ? std::span<const uint64_t>() : it->second;
}

// Symbolizer frames are folded-safe already (see symbolizer.hpp). Their
// addresses, if kept, were appended to to.where by the symbolizer: `from`
// may have lost frames at its end since, and so do they.
void append(StackFrames &to, std::vector<std::string> &&from, size_t where_begin)
{
	if (to.addresses)
		to.where.resize(where_begin + from.size());
	for (auto &f : from)
		to.names.push_back(std::move(f));
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

// What became of one thread's user stack, for StackQuality.
struct UserEnd {
	bool present = false;
	bool rooted = false;
	std::string truncated;  // reason, when the unwinder cut it
	std::string module;     // where it ended, when neither
};

// A launch stack taken in the injector's hook runs, leaf first, through the
// injector, CUPTI, the driver and the runtime before it reaches the
// application: those frames say nothing the launching API frame does not,
// and would split one call site into many stacks. Dropped by module, then
// (the runtime linked into the executable, nvcc's default) by name.
//
// CUPTI and the injector are loaded at CUDA's initialisation (dlopen), after
// the maps were last read; a process that lives a few milliseconds can exit
// before they are read again, and their frames then lie in no mapping the
// symbolizer knows. At the leaf end of a launch stack, below the first frame
// of a known module, such frames can only be theirs: dropped too.
std::span<const uint64_t> without_cuda_modules(std::span<const uint64_t> us, const ThreadStacks &t,
					       Symbolizer &sym)
{
	// The first frame of a known module that is not CUDA's: the application.
	for (size_t i = 0; i < us.size(); i++) {
		std::string m = sym.module_of(t.pid, t.gen, us[i]);
		if (!m.empty() && !is_cuda_module(m))
			return us.subspan(i);
	}
	// None: only the known CUDA frames go.
	while (!us.empty() && is_cuda_module(sym.module_of(t.pid, t.gen, us.front())))
		us = us.subspan(1);
	return us;
}

void drop_cuda_runtime_frames(std::vector<std::string> &user)
{
	while (!user.empty() && is_cuda_runtime_symbol(user.back()))
		user.pop_back();
}

// The user and kernel frames of one thread, root first. `launch`: a GPU
// launch stack, cut where the application calls into CUDA.
UserEnd append_stacks(StackFrames &frames, const ThreadStacks &t, const StackStore &stacks,
		      Symbolizer &sym, bool launch = false)
{
	UserEnd end;
	std::vector<FrameAddress> *where = frames.addresses ? &frames.where : nullptr;
	if (t.flags & XPU_KEY_USTACK_ERR) {
		frames.push(kMissedUserStack);
	} else if (auto us = stack_of(stacks, t.ustack); !us.empty()) {
		end.present = true;
		bool root_marked = us.back() == XPU_TRUNC_BASE + XPU_END_ROOT;
		if (root_marked) {
			us = us.first(us.size() - 1);
		} else if (us.back() >= XPU_TRUNC_BASE) {
			frames.push(truncated_frame(us.back()));
			end.truncated = truncation_reason(us.back());
			us = us.first(us.size() - 1);
		}
		size_t depth = us.size();
		if (launch)
			us = without_cuda_modules(us, t, sym);
		size_t where_begin = frames.where.size();
		auto user = sym.user_stack(t.pid, t.gen, us, where);
		if (launch && us.size() < depth)
			drop_cuda_runtime_frames(user);
		if (end.truncated.empty()) {
			// Tables mark the root; frame-pointer walks are judged by
			// the outermost frame's name.
			end.rooted = root_marked || (!user.empty() && is_root_frame(user.front()));
			if (!end.rooted && !us.empty())
				end.module = sym.module_of(t.pid, t.gen, us.back());
		}
		append(frames, std::move(user), where_begin);
	}
	if (t.flags & XPU_KEY_KSTACK_ERR) {
		frames.push(kMissedKernelStack);
	} else if (auto ks = stack_of(stacks, t.kstack); !ks.empty()) {
		size_t where_begin = frames.where.size();
		append(frames, without_tracer_frames(sym.kernel_stack(ks, where)), where_begin);
	}
	return end;
}

void account(StackQuality *q, const UserEnd &end, double weight)
{
	if (!q || !end.present)
		return;
	q->with_user += weight;
	if (end.rooted)
		q->rooted += weight;
	else if (!end.truncated.empty())
		q->truncated[end.truncated] += weight;
	else
		q->unrooted[end.module.empty() ? "[unknown]" : end.module] += weight;
}

std::string root_frame(const ThreadStacks &t, const StackLayout &layout)
{
	return clean_frame(layout.pid_prefix ? fmt::format("{}-{}", t.comm, t.pid) : t.comm);
}

std::string join(const StackFrames &stack)
{
	const std::vector<std::string> &frames = stack.names;
	std::string s;
	for (const auto &f : frames) {
		if (!s.empty())
			s += ';';
		s += f;
	}
	return s;
}

void offcpu_stack(StackFrames &frames, const Event &e, const StackStore &stacks,
		  Symbolizer &sym, const StackLayout &layout, StackQuality *quality)
{
	const OffCpuAttrs &a = e.offcpu();
	frames.push(root_frame(e.where, layout));
	account(quality, append_stacks(frames, e.where, stacks, sym),
		static_cast<double>(e.weight) * layout.freq / 1e9);
	frames.push(offcpu_frame(a.state));
	if (a.has_waker) {
		StackFrames waker;
		waker.addresses = frames.addresses;
		append_stacks(waker, a.waker, stacks, sym);
		frames.push(kWakerSeparator);
		// Leaf first.
		frames.names.insert(frames.names.end(), waker.names.rbegin(), waker.names.rend());
		frames.where.insert(frames.where.end(), waker.where.rbegin(), waker.where.rend());
		frames.push(clean_frame(a.waker.comm));
	}
}

void gpu_stack(StackFrames &frames, const Event &e, const StackStore &stacks, Symbolizer &sym,
	       const StackLayout &layout, StackQuality *quality)
{
	const GpuAttrs &g = e.gpu();
	frames.push(root_frame(e.where, layout));
	if (g.launched) {
		account(quality, append_stacks(frames, e.where, stacks, sym, true),
			static_cast<double>(e.weight) * layout.freq / 1e9);
		frames.push(g.api);
	} else {
		frames.push(kNoCpuStack);
	}
	if (!g.stream.empty())
		frames.push(g.stream);
	frames.push(g.leaf);
}

// "[GPU_Stream]0:7" -> {"0", "7"}; {"", ""} for anything else.
std::pair<std::string_view, std::string_view> device_and_stream(std::string_view frame)
{
	if (!frame.starts_with(kGpuStreamPrefix))
		return {};
	frame.remove_prefix(std::string_view(kGpuStreamPrefix).size());
	size_t colon = frame.find(':');
	if (colon == frame.npos)
		return {};
	return {frame.substr(0, colon), frame.substr(colon + 1)};
}

// The user stack that did the I/O, then what it did and with whom. No
// kernel stack: it would be the socket layer and the tracer, every time.
// The weight is bytes, whatever the direction (retransmits: the bytes
// sent again); each line is one unit, never converted.
void net_stack(StackFrames &frames, const Event &e, const StackStore &stacks, Symbolizer &sym,
	       const StackLayout &layout, StackQuality *quality)
{
	frames.push(root_frame(e.where, layout));
	ThreadStacks user = e.where;
	user.kstack = 0;
	user.flags &= ~XPU_KEY_KSTACK_ERR;
	UserEnd end = append_stacks(frames, user, stacks, sym);
	// In calls, apart from the time-weighted stacks: bytes are not time.
	if (quality && end.present) {
		quality->net_calls += static_cast<double>(e.count);
		if (end.rooted)
			quality->net_rooted += static_cast<double>(e.count);
	}
	frames.push(clean_frame(net_frame(e.net().dir, e.net().peer)));
}

}  // namespace

std::string offcpu_frame(char state) { return fmt::format("{}{}]", kOffCpuPrefix, state); }

std::vector<std::string> launch_frames(const ThreadStacks &t, const StackStore &stacks, Symbolizer &sym)
{
	StackFrames frames;
	append_stacks(frames, t, stacks, sym, true);
	return std::move(frames.names);
}

void StackFrames::push(std::string name, FrameAddress at)
{
	names.push_back(std::move(name));
	if (addresses)
		where.push_back(at);
}

void StackFrames::clear()
{
	names.clear();
	where.clear();
}

void for_each_sample(const EventSet &set, Symbolizer &sym, const StackLayout &layout,
		     bool addresses, StackQuality *quality,
		     const std::function<void(const StackSample &)> &f)
{
	StackFrames frames;
	frames.addresses = addresses;
	for (const Event &e : set.events) {
		if (!e.weight)  // a timed copy, or a socket that moved no bytes
			continue;
		frames.clear();
		std::string_view device, stream;
		switch (e.kind) {
		case EventKind::cpu_sample:
			frames.push(root_frame(e.where, layout));
			account(quality, append_stacks(frames, e.where, set.stacks, sym),
				static_cast<double>(e.weight));
			break;
		case EventKind::off_cpu:
			offcpu_stack(frames, e, set.stacks, sym, layout, quality);
			break;
		case EventKind::gpu_work:
		case EventKind::gpu_wait:
		case EventKind::gpu_launch:
			// Launches are counted, not timed: not in the stack quality.
			gpu_stack(frames, e, set.stacks, sym, layout,
				  e.kind == EventKind::gpu_launch ? nullptr : quality);
			std::tie(device, stream) = device_and_stream(e.gpu().stream);
			break;
		case EventKind::net_io:
			net_stack(frames, e, set.stacks, sym, layout, quality);
			break;
		case EventKind::gpu_call:  // timed only, on the timeline: no weight
			continue;
		}
		f({e, frames, device, stream});
	}
}

std::vector<std::string> thread_frames(const ThreadStacks &t, const StackStore &stacks, Symbolizer &sym)
{
	StackFrames frames;
	append_stacks(frames, t, stacks, sym);
	return std::move(frames.names);
}

std::string truncation_reason(uint64_t sentinel)
{
	// A switch over bpf/unwind.h's enum with no default: a reason added
	// there without a name here fails the build (-Wswitch -Werror).
	uint64_t r = sentinel - XPU_TRUNC_BASE;
	if (sentinel < XPU_TRUNC_BASE || r > 0xff)
		return "other";
	switch (static_cast<enum xpu_trunc>(r)) {
	case XPU_TRUNC_NO_MAPPING: return "no-mapping";
	case XPU_TRUNC_NO_TABLE: return "no-table";
	case XPU_TRUNC_READ: return "read-fault";
	case XPU_TRUNC_DEPTH: return "depth";
	case XPU_TRUNC_BAD_CFA: return "bad-cfa";
	case XPU_TRUNC_NO_CFI: return "no-cfi";
	case XPU_END_ROOT: break;  // not a truncation: callers test for it first
	}
	return "other";
}

std::string truncated_frame(uint64_t sentinel)
{
	return fmt::format("[truncated:{}]", truncation_reason(sentinel));
}

double StackQuality::truncated_total() const
{
	double t = 0;
	for (const auto &[reason, w] : truncated)
		t += w;
	return t;
}

bool is_root_frame(std::string_view name)
{
	// With unwind tables the walk stops where .eh_frame says the return
	// address is undefined: _start, or a thread's clone3. Frame-pointer
	// chains in glibc end one frame short: __libc_start_call_main,
	// start_thread.
	static constexpr std::string_view kRoots[] = {
		"_start",     "__libc_start_main", "__libc_start_call_main", "start_thread",
		"clone",      "__clone",	   "clone3",		     "__clone3",
		"__GI___clone3", "__GI___clone"};
	name = name.substr(0, name.find('@'));  // versioned: __libc_start_main@@GLIBC_2.34
	for (auto r : kRoots)
		if (name == r)
			return true;
	return false;
}

WeightUnit weight_unit(EventKind k)
{
	switch (k) {
	case EventKind::cpu_sample:
	case EventKind::gpu_launch:
	case EventKind::net_io:
	case EventKind::gpu_call: return WeightUnit::count;
	case EventKind::off_cpu: return WeightUnit::offcpu_ns;
	case EventKind::gpu_work:
	case EventKind::gpu_wait: return WeightUnit::gpu_ns;
	}
	return WeightUnit::count;
}

Profile build_profile(const EventSet &set, Symbolizer &sym, const StackLayout &layout,
		      StackQuality *quality)
{
	// Time stays in ns: the profile converts it once per stack when read.
	Profile p(layout.freq);
	for_each_sample(set, sym, layout, false, quality, [&](const StackSample &s) {
		p.add(s.frames.names, s.event.weight, weight_unit(s.event.kind));
	});
	return p;
}

std::vector<NetStackCount> build_net_stacks(const EventSet &set, Symbolizer &sym,
					    const StackLayout &layout)
{
	std::map<std::string, NetStackCount> by_stack;
	StackFrames frames;
	for (const Event &e : set.events) {
		if (e.kind != EventKind::net_io)
			continue;
		frames.clear();
		net_stack(frames, e, set.stacks, sym, layout, nullptr);
		std::string stack = join(frames);
		NetStackCount &n = by_stack[stack];
		n.bytes += e.weight;
		n.calls += e.count;
	}
	std::vector<NetStackCount> out;
	out.reserve(by_stack.size());
	for (auto &[stack, n] : by_stack) {
		n.stack = stack;
		out.push_back(std::move(n));
	}
	return out;
}

uint64_t ProcessTime::offcpu_total_ns() const
{
	uint64_t t = 0;
	for (const auto &[state, ns] : offcpu_ns)
		t += ns;
	return t;
}

std::vector<ProcessTime> process_times(const EventSet &set, int freq)
{
	std::unordered_map<pid_t, ProcessTime> by_pid;
	auto entry = [&](const ThreadStacks &t) -> ProcessTime & {
		ProcessTime &p = by_pid[t.pid];
		p.pid = t.pid;
		if (p.comm.empty() || t.tid == t.pid)  // the main thread names the process
			p.comm = t.comm;
		return p;
	};
	for (const Event &e : set.events) {
		if (e.kind == EventKind::cpu_sample)
			entry(e.where).oncpu_samples += e.weight;
		else if (e.kind == EventKind::off_cpu && e.weight)
			entry(e.where).offcpu_ns[e.offcpu().state] += e.weight;
	}
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
