// Names the Python frames the in-kernel walker emits (bpf/python.h): reads
// each code object's qualified name, file, first line and location table
// from the process's memory (process_vm_readv), once per (process, code
// object), and turns an instruction offset into a line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "bpf/python.h"

namespace xpu {

struct PyOffsets;

inline bool is_python_frame(uint64_t ip) { return (ip >> 62) == 2; }
inline uint64_t python_code_of(uint64_t ip) { return ip & XPU_PY_ADDR_MASK; }
inline uint32_t python_units_of(uint64_t ip)
{
	return static_cast<uint32_t>((ip >> XPU_PY_UNIT_SHIFT) & XPU_PY_UNIT_MAX);
}

// The line of the instruction at byte offset `addr` in a 3.11+ location
// table (Objects/locations.md), starting from `firstlineno`; nullopt when
// the table gives the instruction no line (or does not cover it).
std::optional<int> py_line_at(std::span<const uint8_t> table, int firstlineno, int addr);

struct PyCodeInfo {
	std::string qualname;
	std::string filename;
	int firstlineno = 0;
	std::vector<uint8_t> linetable;
};

class PyCodeReader {
public:
	// "qualname (file.py:LINE)", or without the line; "[python:unknown]"
	// when the code object could not be read.
	std::string frame(pid_t pid, uint64_t ip, bool lines);
	// Reads (and caches) a code object; the session calls it early, while
	// the process lives.
	const PyCodeInfo *code(pid_t pid, uint64_t code_addr);
	// The offsets a process's interpreter uses; set when its mapping is seen.
	void set_offsets(pid_t pid, const PyOffsets *o) { offsets_[pid] = o; }
	const PyOffsets *offsets(pid_t pid) const;

private:
	std::map<std::pair<pid_t, uint64_t>, std::optional<PyCodeInfo>> codes_;
	std::map<pid_t, const PyOffsets *> offsets_;
};

}  // namespace xpu
