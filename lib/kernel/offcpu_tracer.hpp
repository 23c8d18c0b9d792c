// The off-CPU source: bpf/offcpu.bpf.c on sched_switch (and sched_waking for
// --wakers) adds up, in the kernel, the time each target thread spends off
// the CPU per (stacks, state); read back at the end.
#pragma once

#include <cstdint>
#include <vector>

#include "kernel/bpf_session.hpp"
#include "kernel/bpf_util.hpp"
#include "base/error.hpp"
#include "profile/samples.hpp"

namespace xpu {

class OffCpuTracer {
public:
	explicit OffCpuTracer(BpfSession &bpf);
	~OffCpuTracer();

	Result<void> start();
	// Detaches, then counts the waits still open (a thread blocked when the
	// session ends has waited until then).
	Result<void> stop();
	// Ends a live view's window while staying attached: the waits open now
	// are counted up to now, the rest of each in the next window.
	Result<void> cut_window();
	// As CpuSampler::read_counts.
	Result<std::vector<OffCpuCount>> read_counts(bool take = false) const;

private:
	Result<void> run_iterator(bpf_program *prog);

	BpfSession &bpf_;
	std::vector<Link> links_;
};

// CLOCK_MONOTONIC in ns, the clock of bpf_ktime_get_ns().
uint64_t monotonic_ns();

}  // namespace xpu
