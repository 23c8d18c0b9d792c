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
inline uint64_t python_code_of(uint64_t ip) { return ip & XPU_PY_ADDR_MASK & ~XPU_PY_FP_MASK; }
inline uint64_t python_fingerprint_of(uint64_t ip) { return ip & XPU_PY_FP_MASK; }
inline uint32_t python_units_of(uint64_t ip)
{
	return static_cast<uint32_t>((ip >> XPU_PY_UNIT_SHIFT) & XPU_PY_UNIT_MAX);
}

// The line of the instruction at byte offset `addr` in a 3.11+ location
// table (Objects/locations.md), starting from `firstlineno`; nullopt when
// the table gives the instruction no line (or does not cover it).
std::optional<int> py_line_at(std::span<const uint8_t> table, int firstlineno, int addr);

// The same for a 3.10 line table (PEP 626, Objects/lnotab_notes.txt of
// 3.10): (byte delta, signed line delta) pairs, -128 for "no line".
std::optional<int> py310_line_at(std::span<const uint8_t> table, int firstlineno, int addr);

struct PyCodeInfo {
	std::string qualname;  // 3.10: co_name (it has no co_qualname)
	std::string filename;
	int firstlineno = 0;
	std::vector<uint8_t> linetable;
	int minor = 0;  // the interpreter's, which says the table's format
	// The line of the instruction `units` code units from the first.
	std::optional<int> line_at(int units) const;
};

// What tells two code objects at one address apart: the pointers to their
// name, file and location table, and their first line. A code object can be
// freed (a class body runs once) and another allocated where it was.
struct PyCodeIdentity {
	uint64_t filename = 0, qualname = 0, linetable = 0;
	int32_t firstlineno = 0;
	bool operator==(const PyCodeIdentity &) const = default;
};

class PyCodeReader {
public:
	// "qualname (file.py:LINE)", or without the line; "[python:unknown]"
	// when the code object could not be read.
	std::string frame(pid_t pid, uint64_t ip, bool lines);
	// Reads (and caches) the code object a Python frame entry names; the
	// session calls it early, while the process lives. Each code object
	// seen at an address is kept: the entry's fingerprint picks the one it
	// ran, and one not seen yet is read if it is still there.
	const PyCodeInfo *code(pid_t pid, uint64_t ip);
	// The offsets a process's interpreter uses; set when its mapping is seen.
	void set_offsets(pid_t pid, const PyOffsets *o) { offsets_[pid] = o; }
	const PyOffsets *offsets(pid_t pid) const;

private:
	struct Version {
		PyCodeIdentity id;
		std::optional<PyCodeInfo> info;  // none: could not be read
	};
	// The code objects seen at each address, oldest first.
	std::map<std::pair<pid_t, uint64_t>, std::vector<Version>> codes_;
	std::map<pid_t, const PyOffsets *> offsets_;
};

}  // namespace xpu
