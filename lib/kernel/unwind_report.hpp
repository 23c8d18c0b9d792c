// What the unwind tables (lib/kernel/unwind_loader.hpp) report at the end
// of a session: how full the rows array is, and which binaries have no
// table and why, so a stack that ends early in one says so.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace xpu {

struct UnwindStats {
	uint64_t loaded = 0;         // tables in the array now
	uint64_t queued = 0;         // tables not built yet
	uint64_t failed = 0;         // binaries without a usable table
	uint64_t evictions = 0;      // tables evicted to make room
	uint64_t no_room = 0;        // tables that did not fit
	uint64_t wanted = 0;         // XPU_EV_TABLE_WANTED events
	uint64_t rows = 0;           // rows in use
	uint64_t row_capacity = 0;
	uint64_t rules = 0;
	double build_ms = 0;         // time spent building tables
	uint64_t by_libdw = 0;       // tables our .eh_frame reader left to libdw's
	uint64_t refused_fdes = 0;   // FDE programs it stopped following (invalid rows from there)
	uint64_t processes = 0;      // process descriptions written
};

// A binary whose stacks may end early for want of a table, for the stack
// quality table: its "[name]" label and why.
struct MissingTable {
	std::string why;  // "not built yet", "evicted", "rows array full", or the build error
};

// The tables' state at the end of a session, for the stack-quality table.
struct UnwindReport {
	UnwindStats stats;
	std::map<std::string, MissingTable> missing;  // by "[basename]"
};

}  // namespace xpu
