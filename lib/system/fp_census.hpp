// Which functions of a binary keep a frame pointer, read from their first
// instructions: `push %rbp; mov %rsp,%rbp` (after an optional endbr64). A
// stack walked by frame pointers loses a caller at each function without
// one; `record --call-graph auto` unwinds those from .eh_frame instead.
// x86-64 only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/error.hpp"

namespace xpu {

struct FpCensus {
	bool supported_arch = true;   // false: not x86-64, nothing counted
	std::string symbol_source;    // ".symtab" or ".dynsym"
	uint64_t functions = 0;       // defined, sized function symbols (one per address)
	uint64_t with_fp = 0;         // of those, how many set up %rbp
	bool has_eh_frame = false;    // .eh_frame: CFI for unwinding
	bool has_eh_frame_hdr = false;  // .eh_frame_hdr: its search table (what dwarf unwinding needs)
	std::vector<std::string> without_fp;  // names, in address order
};

// Whether a function starting with these bytes sets up a frame pointer.
bool keeps_frame_pointer(std::span<const uint8_t> code);

Result<FpCensus> census_frame_pointers(const std::string &path);

}  // namespace xpu
