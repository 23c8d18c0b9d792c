// The evidence `tune` works from: a profiling session like `record`'s
// (folded stacks in memory, not on disk) plus software counters of the
// target over the same time, or a folded profile read from a file.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "session/config.hpp"
#include "base/error.hpp"
#include "profile/profile.hpp"
#include "profile/profile_builder.hpp"
#include "session/session_end.hpp"

namespace xpu::tune {

struct Observation {
	Profile profile;  // time only: on-CPU, off-CPU, GPU
	// The network layer (--net, or [net:*] stacks in a file), kept out of
	// `profile`: its weights are bytes, not time. From a file the calls
	// are unknown (0): folded text keeps only the bytes.
	std::vector<NetStackCount> net;
	int freq = 99;
	std::optional<double> wall_s;             // absent for a file
	std::map<std::string, uint64_t> counters;  // empty for a file
	std::vector<pid_t> live_pids;  // -p processes still running at the end
	std::optional<int> target_exit;  // the command's exit code, when there was one
	int target_signal = 0;           // the signal that killed it, or 0
	StopReason stop_reason;
	int exit_code = 0;             // 128+N when signal N interrupted the session
	bool offcpu = true;            // off-CPU time was profiled (always "true" for a file)
};

// Profiles as `record` would with `cfg` (the command's stdout goes to stderr).
Result<Observation> observe(RecordConfig cfg);

// Reads a folded profile; weights are taken at `freq` per second.
Result<Observation> observe_file(const std::string &path, int freq);

}  // namespace xpu::tune
