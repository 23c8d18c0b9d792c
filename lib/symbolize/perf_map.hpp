// /tmp/perf-PID.map: symbols that JIT compilers (V8, the JVM's agents,
// LuaJIT, ...) write for code they generated in anonymous memory.
//
// The file is append-only while the JIT runs and grows to thousands of
// lines, so it is read incrementally: refresh() parses only the bytes past
// what was read before, into a sorted table of address ranges whose names
// live in one arena (a std::string is made only when a frame is printed).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

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

	// Reads what was appended to /tmp/perf-PID.map since the last refresh
	// (everything, the first time, or when the file was replaced or
	// truncated). A line still being written is kept for the next refresh.
	// Returns true when anything was read or reset; an error when the file is
	// missing (the table keeps what was read: JITs remove it at exit).
	Result<bool> refresh(pid_t pid);
	// The same for a file named by path (tests, other JIT dump locations).
	Result<bool> refresh_path(const std::string &path);

	// The name of the entry covering addr. Where entries overlap the later
	// line wins: a JIT that reuses memory appends the new code's line.
	// The view stays valid until the next refresh.
	std::optional<std::string_view> lookup(uint64_t addr) const;

	size_t size() const { return table_.size(); }
	size_t skipped() const { return skipped_; }
	// Lines parsed so far, over all refreshes (each byte is parsed once).
	size_t lines_parsed() const { return lines_parsed_; }

private:
	struct Entry {
		uint64_t start;
		uint64_t end;  // one past the last address
		uint32_t name_off;  // into names_
		uint32_t name_len;
	};

	// Parses complete lines of `text`; with `final`, a last line without
	// its newline counts too, otherwise it is returned for later.
	std::string_view add_text(std::string_view text, bool final);
	void merge(std::vector<Entry> &fresh);

	std::vector<Entry> table_;  // disjoint, sorted by start
	std::string names_;         // every name, back to back
	std::string partial_;       // an unfinished last line
	uint64_t offset_ = 0;       // bytes of the file consumed
	uint64_t inode_ = 0;        // of the file read, to notice a new one
	size_t skipped_ = 0;
	size_t lines_parsed_ = 0;
};

}  // namespace xpu
