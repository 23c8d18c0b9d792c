// Sync waits blamed on the GPU work they waited for. A thread inside a
// synchronizing CUDA call (stream/device/event synchronize, a synchronous
// copy) is waiting for the GPU, spinning inside libcuda by default, so
// neither its CPU samples nor an off-CPU view says for what. Here each
// wait's wall time (its API record's interval) is split over the kernels,
// copies and memsets that ran on the waited stream(s) during it, by
// overlap, and put under the call's CPU stack:
//
//   comm;main;step;cudaStreamSynchronize;[GPU_Wait]sgemm_128x64   6 ms
//   comm;main;step;cudaStreamSynchronize;[GPU_Wait][idle]         1 ms
//
// Waited streams: the stream of CUPTI's stream-synchronize record for the
// call; every stream of the process otherwise (device and context
// synchronize, event synchronize, a synchronous copy). Where several ran at
// once, each instant is shared equally; instants where none ran are
// [idle]. The blame is computed at the end of the session (the records a
// wait needs come later than the wait itself).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "gpu/gpu_launch_probe.hpp"
#include "gpu/gpu_stream.hpp"
#include "profile/event.hpp"

namespace xpu {

inline constexpr const char *kGpuWaitPrefix = "[GPU_Wait]";
inline constexpr const char *kGpuWaitIdle = "[GPU_Wait][idle]";

// One piece of GPU work as a wait sees it.
struct GpuSpan {
	uint64_t start = 0, end = 0;
	uint32_t stream = 0;
	std::string leaf;  // "[GPU_Wait]name"
};

// The wait [start, end) split over `spans` (all on the waited streams) by
// overlap: (leaf, ns) in order of first appearance, idle last; the parts add
// up to end - start exactly.
std::vector<std::pair<std::string, uint64_t>> split_wait(uint64_t start, uint64_t end,
							 const std::vector<const GpuSpan *> &spans);

// The leaf a piece of GPU work gets under a wait.
std::string gpu_wait_leaf(const GpuActivity &a);

struct GpuWaitStats {
	uint64_t waits = 0;     // synchronizing calls whose stacks were taken
	uint64_t blamed = 0;    // ... with an API record: blamed
	uint64_t wait_ns = 0;   // their wall time
	uint64_t idle_ns = 0;   // ... of which no GPU work ran on the waited streams
};

// One synchronizing call and what it waited for, for the timeline.
struct BlamedWait {
	LaunchEvent call;
	std::string api;                                   // "cudaStreamSynchronize"
	uint64_t start = 0, end = 0;                       // CUPTI's interval of the call
	std::vector<std::pair<std::string, uint64_t>> parts;  // split_wait's (leaf, ns)
};

class GpuWaitBlame {
public:
	// A synchronizing call's stack (the hook with kHookWaits, domain unmasked).
	void add_wait(const LaunchEvent &l);
	// N records: the calls' frames (the hook may come before them).
	void set_api_name(pid_t pid, uint32_t domain, uint32_t cbid, const std::string &name);
	void add_api_call(const GpuApiCall &c);
	void add_sync(const GpuSync &y);
	void add_activity(const GpuActivity &a);
	// The blame of every wait, once (then forgotten); each wait also into
	// `slices` when given (record --trace).
	std::vector<Event> take(std::vector<BlamedWait> *slices = nullptr);
	const GpuWaitStats &stats() const { return stats_; }

private:
	using Key = std::pair<pid_t, uint32_t>;  // (pid, corr)
	std::string api_of(const LaunchEvent &l) const;
	static constexpr size_t kMaxSpans = 4u << 20;  // per process, newest kept

	std::vector<LaunchEvent> waits_;
	std::map<std::tuple<pid_t, uint32_t, uint32_t>, std::string> api_names_;
	std::map<Key, std::pair<uint64_t, uint64_t>> intervals_;  // widest API record
	std::map<Key, uint32_t> waited_stream_;                   // stream synchronizes
	std::unordered_map<pid_t, std::vector<GpuSpan>> spans_;
	GpuWaitStats stats_;
};

}  // namespace xpu
