// What every source hands over: events. A source (the CPU sampler, the
// off-CPU tracer, the network tracer, the GPU layer) appends its events to
// an EventSet at the end of a record or of each window of top and live; the
// consumers (profile_builder's for_each_sample: the folded profile, pprof,
// tune; session/timeline_input: the timeline of record --trace and of the
// live page) read only events. A new layer adds an event kind and a source,
// not a pipeline.
//
// One type for counts and for moments:
//   - counted: what a kernel map or the GPU correlator summed, with no time
//     (start_ns = dur_ns = 0): `weight` in the kind's unit, `count` the
//     occurrences summed into it;
//   - timed: one occurrence with its start and duration on CLOCK_MONOTONIC
//     (the clock of bpf_ktime_get_ns() and of the GPU timeline), when a
//     timeline is asked for. A timed copy of something a counted event
//     already holds has weight 0, so the profile is always the sum of the
//     events' weights, never counted twice. Timed events: off-CPU waits
//     (--trace-off-cpu), GPU records, GPU API calls and blamed sync waits
//     (--trace, live --http); their attributes say what the timeline draws.
#pragma once

#include <sys/types.h>

#include <compare>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "profile/net_frames.hpp"

namespace xpu {

// Stacks by hash, leaf first, shared by every event that names them.
using StackStore = std::unordered_map<uint64_t, std::vector<uint64_t>>;

// The stacks of one thread at one moment. Hashes index a StackStore; 0 is
// "none". flags: XPU_KEY_* (bpf/common.h).
struct ThreadStacks {
	pid_t pid = 0;
	pid_t tid = 0;
	uint32_t gen = 0;  // address-space id, for the user stack
	uint32_t flags = 0;
	std::string comm;
	uint64_t ustack = 0;
	uint64_t kstack = 0;
};

// What happened, which fixes the unit of the weight.
enum class EventKind : uint8_t {
	cpu_sample,  // on-CPU samples taken with these stacks     (samples)
	off_cpu,     // time blocked with these stacks             (ns)
	gpu_work,    // device time of work launched from here     (ns)
	gpu_wait,    // a synchronizing call's wait, by what ran   (ns)
	gpu_launch,  // launches counted, not timed (-p, CUPTI held by another tool)  (launches)
	net_io,      // bytes through sockets                      (bytes)
	gpu_call,    // a CUDA API call on the timeline, timed only (weight 0)  (calls)
};

// "samples", "ns", "launches", "bytes", "calls".
const char *unit_name(EventKind k);

// Off-CPU: the state the thread waited in and, with --wakers, who woke it.
struct OffCpuAttrs {
	char state = '?';  // ps(1) letter: R S D I T
	bool has_waker = false;
	ThreadStacks waker;  // tid is not known (0)
};

// GPU: what ran (or was waited for) and the API that launched it
// (lib/gpu/gpu_correlator, lib/gpu/gpu_wait_blame).
struct GpuAttrs {
	bool launched = true;  // false: no launch stack matched ([no_cpu_stack]); where has pid and comm only
	std::string api;       // the launching API's frame, "cudaLaunchKernel"
	std::string stream;    // "[GPU_Stream]0:7" with --gpu-streams, else empty
	std::string leaf;      // "[GPU_Kernel]add(float*, int)", "[GPU_Memcpy]HtoD", "[GPU_Wait]..."
};

// What a piece of GPU work is (lib/gpu/gpu_stream reads it from CUPTI).
enum class GpuKind { kernel, memcpy, memset };

// A GPU record on the timeline (a timed gpu_work event of weight 0: its ns
// are in the correlator's counted events): what ran and where. Its pid,
// time and correlation id are the event's; records of one kernel on one
// stream share one copy (lib/gpu/gpu_timeline).
struct GpuRecordAttrs {
	GpuKind kind = GpuKind::kernel;
	uint32_t device = 0, context = 0, stream = 0;
	std::string name;  // kernel: as CUPTI reports it (mangled)
	uint32_t copy_kind = 0, src_kind = 0, dst_kind = 0;  // memcpy (gpu_protocol.h)
	uint64_t bytes = 0;
	uint32_t graph_id = 0;
	uint64_t graph_node = 0;  // kernel in a graph: its node, else 0
	uint32_t flags = 0;       // gpu_protocol.h kFlag*
	auto operator<=>(const GpuRecordAttrs &) const = default;
};

// A CUDA API call on the timeline (gpu_call): a launch, or (live --http) a
// synchronizing call, at the interval CUPTI timed for it or the hook's
// moment (dur 0). Its thread, stack and correlation id are the event's;
// calls of one API share one copy.
struct GpuCallAttrs {
	std::string api;      // the API's frame, "cudaLaunchKernel"
	bool driver = false;  // the driver API (cu*), else the runtime (cuda*)
	bool sync = false;    // a synchronizing call, drawn as a wait (without its blame)
	auto operator<=>(const GpuCallAttrs &) const = default;
};

// record --trace: a synchronizing call and the GPU work it waited for (a
// timed gpu_wait event of weight 0: the counted gpu_wait events hold the
// ns), lib/gpu/gpu_wait_blame's split.
struct GpuWaitAttrs {
	std::string api;  // "cudaStreamSynchronize"
	std::vector<std::pair<std::string, uint64_t>> waited_for;  // ("sgemm", ns), ("[idle]", ns)
};

// Network: direction and peer (lib/kernel/net_tracer).
struct NetAttrs {
	NetDir dir = NetDir::send;
	std::string peer;  // format_peer(): "127.0.0.1:5432", "unix:/tmp/x.sock"
};

using EventAttrs = std::variant<OffCpuAttrs, GpuAttrs, NetAttrs, GpuRecordAttrs, GpuCallAttrs, GpuWaitAttrs>;

struct Event {
	EventKind kind = EventKind::cpu_sample;
	uint32_t correlation = 0;  // a GPU record's or API call's correlation id, else 0
	ThreadStacks where;     // the sampled, blocked, launching or sending thread
	uint64_t weight = 0;    // in the kind's unit; 0: a timed copy (see above)
	uint64_t count = 0;     // occurrences in `weight`: samples, waits, kernels, calls
	uint64_t start_ns = 0;  // CLOCK_MONOTONIC; 0 with dur_ns 0: counted, no time
	uint64_t dur_ns = 0;
	// Kept apart so that the commonest events (on-CPU samples, tens of
	// thousands of stacks) stay small; shared, since they never change.
	std::shared_ptr<const EventAttrs> attrs;

	bool timed() const { return start_ns != 0 || dur_ns != 0; }
	// The kind's attributes; only for events of that kind.
	const OffCpuAttrs &offcpu() const { return std::get<OffCpuAttrs>(*attrs); }
	const GpuAttrs &gpu() const { return std::get<GpuAttrs>(*attrs); }
	const NetAttrs &net() const { return std::get<NetAttrs>(*attrs); }
	// Whether the attributes are a T (a timed gpu_work or gpu_wait event
	// has another type than its counted twin).
	template <class T>
	bool has() const
	{
		return attrs && std::holds_alternative<T>(*attrs);
	}
	template <class T>
	const T &as() const
	{
		return std::get<T>(*attrs);
	}
};

Event cpu_sample_event(ThreadStacks where, uint64_t samples);
Event offcpu_event(ThreadStacks where, OffCpuAttrs attrs, uint64_t ns, uint64_t waits);
Event gpu_event(EventKind kind, ThreadStacks where, GpuAttrs attrs, uint64_t weight, uint64_t count);
Event net_event(ThreadStacks where, NetAttrs attrs, uint64_t bytes, uint64_t calls);

// One window's (or a whole record's) events and the stacks they name.
struct EventSet {
	std::vector<Event> events;
	StackStore stacks;
};

}  // namespace xpu
