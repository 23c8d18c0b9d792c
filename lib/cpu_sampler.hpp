// The on-CPU source: loads bpf/profile.bpf.c, samples every CPU at -F Hz,
// follows the target processes' forks in the kernel, and hands back the
// in-kernel counts of (pid, tid, user stack, kernel stack) at the end.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "error.hpp"
#include "perf_event.hpp"

namespace xpu {

struct CpuSamplerOptions {
	int freq = 99;
	bool all_processes = false;  // -a: no pid filter
	bool user_stacks = true;     // false with -K
	bool kernel_stacks = true;   // false with -U
	EventChoice event = EventChoice::automatic;
};

// A process event from the kernel side (see enum xpu_event_type).
struct ProcEvent {
	enum class Type { new_proc = 1, exec = 2, fork = 3, exit = 4 };
	Type type;
	pid_t pid;
	uint32_t gen;         // address-space id
	pid_t ppid;           // fork only
	uint32_t parent_gen;  // fork only
	std::string comm;
};

// One entry of the in-kernel `counts` map.
struct StackCount {
	pid_t pid;
	pid_t tid;
	uint32_t gen;
	uint32_t flags;      // XPU_SAMPLE_* (stack capture failed)
	std::string comm;    // thread name
	uint64_t ustack;     // key into SampleSet::stacks, 0 = none
	uint64_t kstack;
	uint64_t count;
};

struct SampleSet {
	std::vector<StackCount> counts;
	std::unordered_map<uint64_t, std::vector<uint64_t>> stacks;  // leaf first
};

struct SamplerStats {
	uint64_t samples = 0;
	uint64_t ustack_errors = 0;
	uint64_t kstack_errors = 0;
	uint64_t stacks_full = 0;   // stack lost: `stacks` map full
	uint64_t counts_full = 0;   // sample lost: `counts` map full
	uint64_t procs_full = 0;
	uint64_t events_lost = 0;   // ring buffer full
	uint64_t lost() const { return counts_full + events_lost; }
};

class CpuSampler {
public:
	using EventFn = std::function<void(const ProcEvent &)>;

	// Opens and loads the BPF object. Nothing is sampled until start().
	static Result<std::unique_ptr<CpuSampler>> create(const CpuSamplerOptions &opts);
	~CpuSampler();

	// Counts `pid` and, from then on, every process it forks.
	Result<void> add_target(pid_t pid);
	// Attaches the fork/exec/exit tracepoints, then the sampling events.
	Result<void> start();
	// Detaches the sampling events: counts stop changing.
	void stop();
	// A descriptor that polls readable when process events are pending.
	int events_fd() const;
	// Passes every pending process event to `fn`, without blocking.
	Result<void> consume(const EventFn &fn);
	// Reads the counts and the stacks they name.
	Result<SampleSet> collect() const;

	SamplerStats stats() const;
	const std::string &event_name() const;

	struct Impl;

private:
	explicit CpuSampler(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

}  // namespace xpu
