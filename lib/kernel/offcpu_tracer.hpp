// The off-CPU source: bpf/offcpu.bpf.c on sched_switch (and sched_waking for
// --wakers) adds up, in the kernel, the time each target thread spends off
// the CPU per (stacks, state); read back at the end. With --trace-off-cpu
// it also keeps each wait, as the kernel sends them, for the timeline.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernel/bpf_session.hpp"
#include "kernel/bpf_util.hpp"
#include "base/error.hpp"
#include "profile/event.hpp"

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
	// As CpuSampler::read_events: ns and waits per (thread, stacks, state
	// and, with --wakers, the waker's stacks).
	Result<void> read_events(std::vector<Event> &out, bool take = false) const;

	// --trace-off-cpu: a descriptor that polls readable when the ring of
	// waits is half full (-1 without the flag; it is read on every turn of
	// the event loop anyway), and the reading of what it holds.
	int intervals_fd() const;
	Result<void> consume_intervals();
	// Moves the waits kept to `out`, in the order they ended: timed events
	// of weight 0, their time being in read_events' counts already. Past
	// kMaxIntervals more are counted, not kept (the ring's own losses are
	// a BPF stat).
	static constexpr size_t kMaxIntervals = 1u << 20;
	void take_intervals(std::vector<Event> &out);
	uint64_t intervals_dropped() const { return intervals_dropped_; }

private:
	Result<void> run_iterator(bpf_program *prog);
	static int on_interval(void *ctx, void *data, size_t size) noexcept;

	BpfSession &bpf_;
	std::vector<Link> links_;
	RingBuffer ring_;  // with --trace-off-cpu
	std::vector<Event> intervals_;
	std::shared_ptr<const EventAttrs> state_attrs_[256];  // shared by the waits in one state
	uint64_t intervals_dropped_ = 0;
	std::string ring_error_;
};

// CLOCK_MONOTONIC in ns, the clock of bpf_ktime_get_ns().
uint64_t monotonic_ns();

}  // namespace xpu
