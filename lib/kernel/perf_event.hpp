// Per-CPU sampling events for the on-CPU sampler: hardware cycles where a PMU
// exists, the software cpu-clock otherwise (VMs, containers), probed at start.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "base/fd.hpp"

namespace xpu {

struct SamplingEvents {
	std::string name;       // "cycles" or "cpu-clock"
	std::vector<int> cpus;  // cpus[i] is the CPU of fds[i]
	std::vector<Fd> fds;
};

enum class EventChoice { automatic, cycles, cpu_clock };

// Opens one event per online CPU sampling at `freq` Hz, system-wide (the BPF
// program filters by pid). Errors name the sysctl or privilege to change.
Result<SamplingEvents> open_sampling_events(int freq, EventChoice choice = EventChoice::automatic);

// "0-3,6,8-9" (the format of /sys/devices/system/cpu/online).
Result<std::vector<int>> parse_cpu_list(std::string_view text);
Result<std::vector<int>> online_cpus();

}  // namespace xpu
