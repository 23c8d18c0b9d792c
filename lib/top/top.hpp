// `top`: a full-screen view of where time goes now, refreshed every
// --delay; plain snapshots (top -b) when stdout is not a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "session/config.hpp"
#include "session/session_end.hpp"
#include "base/error.hpp"
#include "top/top_model.hpp"

namespace xpu {

struct TopConfig {
	RecordConfig rec;  // target, layers, stacks; rec.output is not used
	std::chrono::milliseconds delay{1000};
	TopSort sort = TopSort::symbol;
	std::string comm;         // only processes with this command name
	bool batch = false;       // -b: snapshots even on a terminal
	uint64_t iterations = 0;  // -n: stop after this many refreshes (0: never)
	size_t rows = 20;         // rows per batch snapshot
};

struct TopSummary {
	uint64_t refreshes = 0;
	StopReason stop_reason;
	int exit_code = 0;
};

Result<TopSummary> run_top(const TopConfig &cfg);

}  // namespace xpu
