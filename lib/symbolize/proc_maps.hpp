// /proc/PID/maps: one process's mappings, parsed from the kernel's text.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace xpu {

struct Mapping {
	uint64_t start = 0;   // first address
	uint64_t end = 0;     // one past the last address
	uint64_t offset = 0;  // file offset of `start`
	std::string perms;    // "r-xp"
	uint32_t dev_major = 0;
	uint32_t dev_minor = 0;
	uint64_t inode = 0;
	std::string path;  // "" (anonymous), "/usr/lib/libc.so.6", "[vdso]", "/x (deleted)"

	bool executable() const { return perms.size() > 2 && perms[2] == 'x'; }
	// Backed by a file on some filesystem (inode != 0), which may be deleted.
	bool file_backed() const { return inode != 0 && !path.empty() && path[0] == '/'; }
	bool deleted() const { return path.ends_with(" (deleted)"); }
	// The path without the kernel's " (deleted)" suffix.
	std::string_view file_path() const;
	// "libc.so.6" for "/usr/lib/x86_64-linux-gnu/libc.so.6", "[vdso]" for "[vdso]".
	std::string_view basename() const;
};

// Parses the text of a /proc/PID/maps file. Lines are
//   START-END PERMS OFFSET MAJ:MIN INODE [PATH]
// with hex numbers and PATH running to the end of the line (it may contain
// spaces). A malformed line fails the whole parse: the format is the
// kernel's, so a line we cannot read means we misread the format.
Result<std::vector<Mapping>> parse_proc_maps(std::string_view text);

// Reads and parses /proc/PID/maps. ExitCode::no_such_process when the
// process is gone.
Result<std::vector<Mapping>> read_proc_maps(pid_t pid);

// Reads a whole (possibly /proc) file; /proc files report size 0, so this
// reads until EOF rather than trusting stat. A missing file (ENOENT, or
// ESRCH from a /proc file whose process exited) fails with `missing`.
Result<std::string> read_text_file(const std::string &path,
				   ExitCode missing = ExitCode::environment);

}  // namespace xpu
