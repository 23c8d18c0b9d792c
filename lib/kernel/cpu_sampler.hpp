// The on-CPU source: samples every CPU at -F Hz with bpf/profile.bpf.c and
// reads back the in-kernel counts of (thread, user stack, kernel stack).
#pragma once

#include <string>
#include <vector>

#include "kernel/bpf_session.hpp"
#include "kernel/bpf_util.hpp"
#include "base/error.hpp"
#include "kernel/perf_event.hpp"
#include "profile/event.hpp"

namespace xpu {

class CpuSampler {
public:
	CpuSampler(BpfSession &bpf, int freq, EventChoice event = EventChoice::automatic);
	~CpuSampler();

	// Opens one sampling event per CPU and attaches the program to each.
	Result<void> start();
	// Detaches: counts stop changing.
	void stop();
	// Appends to `out` everything counted so far, one counted event per
	// (thread, stacks); with `take`, also removes it from the kernel's
	// map, so the next read holds only what came after (live views).
	Result<void> read_events(std::vector<Event> &out, bool take = false) const;

	const std::string &event_name() const { return events_.name; }
	int freq() const { return freq_; }

private:
	BpfSession &bpf_;
	int freq_;
	EventChoice choice_;
	SamplingEvents events_;
	std::vector<Link> links_;
};

}  // namespace xpu
