// Plain settings structs, filled by cmd/ from flags and read by lib/.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace xpu {

struct RecordConfig {
	int freq = 99;                      // -F, samples per second per CPU
	std::vector<pid_t> pids;            // -p
	bool all_cpus = false;              // -a: every process
	std::optional<std::chrono::nanoseconds> duration;  // --duration
	std::string output = "xpu-perf.folded";            // -o, "-" = stdout
	bool user_only = false;             // -U
	bool kernel_only = false;           // -K
	bool pid_prefix = false;            // --pid-prefix: root frame "comm-PID"
	bool inlines = false;               // --inline
	std::vector<std::string> command;   // the command to launch, if any
};

}  // namespace xpu
