// System facts the tune rules read: CPUs, NUMA nodes, the transparent huge
// page mode and the CPU frequency governor. A fact this machine does not
// have (no cpufreq in a VM) is absent, with the reason.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tune/tune_eval.hpp"

namespace xpu::tune {

inline constexpr const char *kThpPath = "/sys/kernel/mm/transparent_hugepage/enabled";
inline constexpr const char *kNodeOnline = "/sys/devices/system/node/online";
inline constexpr const char *kCpufreq0 = "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor";

// "always [madvise] never" -> "madvise"; empty when no word is bracketed.
std::string bracketed_choice(const std::string &text);

// nr_cpus, numa_nodes, thp, governor.
std::map<std::string, Value> system_facts();

// The online NUMA nodes ({0} on a machine without /sys/devices/system/node).
std::vector<int> online_nodes();

// The first line of a file, without its newline; empty when unreadable.
std::string read_line(const std::string &path);

}  // namespace xpu::tune
