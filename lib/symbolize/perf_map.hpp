// /tmp/perf-PID.map: symbols that JIT compilers (V8, the JVM's agents,
// LuaJIT, ...) write for code they generated in anonymous memory.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.hpp"
#include "base/range_map.hpp"

namespace xpu {

class PerfMap {
public:
	// Parses the text of a perf map: one "START SIZE NAME" per line, START
	// and SIZE in hex without "0x" (a "0x" prefix is tolerated), NAME to the
	// end of the line and free to contain spaces. Malformed lines are
	// skipped and counted: the writers are third-party and a truncated last
	// line is common while a JIT is still appending.
	static PerfMap parse(std::string_view text);

	// Reads /tmp/perf-PID.map. `pid` is the process's pid as the JIT saw it
	// (getpid() in the target, i.e. the tgid, not a thread id).
	static Result<PerfMap> load(pid_t pid);

	// The name of the entry covering addr, or nullptr. Where entries
	// overlap the later line wins: a JIT that reuses memory appends the new
	// code's line.
	const std::string *lookup(uint64_t addr) const { return entries_.find(addr); }

	size_t size() const { return entries_.size(); }
	size_t skipped() const { return skipped_; }

private:
	RangeMap<std::string> entries_;
	size_t skipped_ = 0;
};

}  // namespace xpu
