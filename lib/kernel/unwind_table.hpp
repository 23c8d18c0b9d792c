// Unwind tables for the in-kernel unwinder, built from a binary's .eh_frame:
// for every address range, how to find the caller's frame (bpf/unwind.h),
// classified into one of a few rules the BPF side can apply without a
// DWARF interpreter. Our own reader (fde_rows.hpp) runs each FDE's CFA
// program once; libdw's CFI interpreter, asked row by row, is kept as the
// reference the tests and the fuzzer compare with (the same rows) and for
// binaries our reader leaves to it (not x86-64, or an .eh_frame_hdr libdw
// would not search). libtorch_cpu (1.4M rows): 68 ms, against 278 ms.
#pragma once

#include <libelf.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bpf/unwind.h"
#include "base/error.hpp"

namespace xpu {

struct UnwindRule {
	uint8_t cfa_kind = XPU_CFA_INVALID;
	uint8_t rbp_kind = XPU_RBP_SAME;
	int16_t cfa_off = 0;
	int16_t rbp_off = 0;
	auto operator<=>(const UnwindRule &) const = default;
};

struct UnwindRow {
	uint64_t pc;  // ELF virtual address where the rule starts to apply
	UnwindRule rule;
};

struct UnwindTable {
	std::vector<UnwindRow> rows;  // sorted by pc; the last row ends the table
	uint64_t fdes = 0;            // FDEs read
	uint64_t invalid_rows = 0;    // rows with a rule we cannot apply
	bool by_libdw = false;        // left to libdw's reader (see build_unwind_table)
	uint64_t refused_fdes = 0;    // programs our reader stopped following (INVALID from there)
	uint64_t unread_fdes = 0;     // FDEs (or their CIEs) it could not read: NONE rows, as libdw
	uint64_t overlapping_fdes = 0;  // FDEs claiming more than their table slot
};

// The same build in steps, so a large binary's table (libtorch_cpu: 220k
// FDEs, ~70 ms alone, longer while a process starts) can be built a slice at a time, with smaller
// tables and events handled in between. `elf` must outlive the builder.
class UnwindTableBuilder {
public:
	// Our own .eh_frame reader (fde_rows.hpp), or libdw's asked row by
	// row (the reference the tests and the fuzzer compare with).
	enum class Reader { own, libdw };
	static Result<std::unique_ptr<UnwindTableBuilder>> start(Elf *elf, Reader which = Reader::own);
	~UnwindTableBuilder();
	// FDEs not read yet.
	size_t remaining() const;
	// Reads up to `max_fdes` more FDEs; true when all are read.
	bool step(size_t max_fdes);
	// The table, once step() returned true.
	Result<UnwindTable> finish();

private:
	UnwindTableBuilder();
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

// Builds the table from the binary's .eh_frame (through .eh_frame_hdr's
// sorted FDE list). Consecutive equal rules are merged. Gaps between FDEs
// get XPU_CFA_NONE rows. Fails when the binary has no usable .eh_frame.
Result<UnwindTable> build_unwind_table(Elf *elf,
					UnwindTableBuilder::Reader which = UnwindTableBuilder::Reader::own);

// The rule that applies at `pc` (the last row at or below it), as the BPF
// side looks it up; XPU_CFA_NONE outside the table.
UnwindRule rule_at(const UnwindTable &t, uint64_t pc);

// The same question asked of libdw directly at one address, without the
// table's row splitting and merging: the reference the tests compare with.
UnwindRule libdw_rule_at(Elf *elf, uint64_t pc);

}  // namespace xpu
