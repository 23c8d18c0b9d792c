// Software counters over a profiling session: context switches, CPU
// migrations and page faults of the target (perf_event_open software
// events, inherited by the threads and children it starts after they are
// opened). They need no PMU, so they work in VMs.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/fd.hpp"

namespace xpu::tune {

class SoftwareCounters {
public:
	// Every thread of `pids` (each thread needs its own counter; threads
	// and children started later inherit it).
	static Result<SoftwareCounters> for_pids(const std::vector<pid_t> &pids);
	// Every process on every CPU (-a).
	static Result<SoftwareCounters> system_wide();

	// "ctx_switches", "migrations", "page_faults" -> count so far.
	std::map<std::string, uint64_t> read() const;

private:
	struct Counter {
		std::string name;
		Fd fd;
	};
	std::vector<Counter> counters_;
};

}  // namespace xpu::tune
