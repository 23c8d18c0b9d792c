// When to re-read a live process's /proc/PID/maps. A process is first read
// when the kernel announces it (exec, first sample), but libraries loaded
// after that moment (ld.so, dlopen) appear later, and a process that exits
// takes its maps with it. So each address space is re-read on a backoff:
// 100 ms, 500 ms, 2 s after it is announced, then every 2 s while it lives.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace xpu {

class SnapshotSchedule {
public:
	using Clock = std::chrono::steady_clock;
	using AddressSpace = std::pair<pid_t, uint32_t>;  // (pid, gen)

	// A new address space (first sighting or exec): restarts the backoff.
	void track(pid_t pid, uint32_t gen, Clock::time_point now);
	// The process exited: nothing left to read.
	void forget(pid_t pid);
	// Address spaces due for a re-read at `now`; each moves to its next step.
	std::vector<AddressSpace> due(Clock::time_point now);
	// Every address space still tracked.
	std::vector<AddressSpace> live() const;

private:
	struct Entry {
		uint32_t gen;
		int step;
		Clock::time_point next;
	};
	std::unordered_map<pid_t, Entry> procs_;
};

}  // namespace xpu
