// What the sources hand to the profile builder, at the end of a record or of
// each window of top and live: counts keyed by thread and stack hashes (on-CPU
// samples, off-CPU ns, GPU ns, each in its own unit), and the stacks behind
// the hashes. profile_builder turns them into frames and weights.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "profile/net_frames.hpp"

namespace xpu {

// Stacks by hash, leaf first, shared by every count that names them.
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

// On-CPU: samples taken with these stacks.
struct StackCount {
	ThreadStacks where;
	uint64_t count = 0;
};

// Off-CPU: time blocked with these stacks, in this state.
struct OffCpuCount {
	ThreadStacks where;
	char state = '?';      // ps(1) letter: R S D I T
	uint64_t ns = 0;
	uint64_t intervals = 0;
	bool has_waker = false;
	ThreadStacks waker;    // with --wakers; tid is not known (0)
};

// GPU: device time of the work launched from these stacks (lib/gpu/gpu_correlator).
struct GpuCount {
	ThreadStacks where;     // the launching thread; only pid and comm when !launched
	bool launched = true;   // false: no launch stack matched ([no_cpu_stack])
	std::string api;        // the launching API's frame, "cudaLaunchKernel"
	std::string stream;     // "[GPU_Stream]0:7" with --gpu-streams, else empty
	std::string leaf;       // "[GPU_Kernel]add(float*, int)", "[GPU_Memcpy]HtoD"
	uint64_t ns = 0;        // summed end - start
	uint64_t count = 0;     // kernels, copies or memsets
};

// Network: bytes a stack sent or received through sockets, or TCP bytes
// retransmitted on a socket it last sent on (lib/kernel/net_tracer).
struct NetCount {
	ThreadStacks where;    // pid 0, no stack: a retransmit of nobody's socket (-a)
	NetDir dir = NetDir::send;
	std::string peer;      // format_peer(): "127.0.0.1:5432", "unix:/tmp/x.sock"
	uint64_t bytes = 0;
	uint64_t count = 0;    // calls; segments for retransmits
};

struct SampleSet {
	std::vector<StackCount> oncpu;
	std::vector<OffCpuCount> offcpu;
	std::vector<GpuCount> gpu;
	std::vector<NetCount> net;
	StackStore stacks;
};

}  // namespace xpu
