// Our own reader of x86-64 .eh_frame CFA programs: each FDE's program is
// run once, start to end, and a rule is emitted at every advance, instead of
// asking libdw for one row at a time (libdw replays the program from the
// FDE's start for every row, and looks FDEs and CIEs up in search trees).
// It reproduces libdw 0.188's answers (dwarf_cfi_addrframe then
// unwind_table.cpp's classification) for well-formed CFI: the same ABI
// initial state (rbp and the return address "same value", CFA undefined),
// the same FDE lookup through .eh_frame_hdr, the same row boundaries.
// Anything it does not understand in a program (set_loc, GNU_window_save,
// a truncated operand, an unknown opcode) makes the rest of that FDE an
// invalid row and counts it as refused: never a guess.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>

#include "kernel/unwind_table.hpp"

namespace xpu {

// .eh_frame's bytes and where they are loaded.
struct EhFrameSection {
	const uint8_t *data = nullptr;
	size_t size = 0;
	uint64_t vaddr = 0;
};

enum class FdeOutcome {
	rows,        // every row came from the program
	no_fde,      // no usable FDE at that offset (or its CIE): NONE rows, as libdw
	refused,     // the program has something we do not follow: INVALID from there
};

class FdeRowReader {
public:
	using Emit = std::function<void(uint64_t pc, const UnwindRule &rule)>;
	explicit FdeRowReader(EhFrameSection eh) : eh_(eh) {}
	// The rows for pcs in [from, limit) of the FDE at `fde_vaddr` (from
	// .eh_frame_hdr: `from` is its table start, `limit` the next one's), in
	// order, with the same boundaries libdw's row-by-row walk gives.
	FdeOutcome rows(uint64_t fde_vaddr, uint64_t from, uint64_t limit, const Emit &emit);
	// The range the last FDE read claims ([0, 0) when none was read).
	uint64_t last_start() const { return last_start_; }
	uint64_t last_end() const { return last_end_; }

	// One register's rule, as far as the classification needs it.
	struct RegRule {
		uint8_t kind = 0;  // RegKind in fde_rows.cpp
		int64_t value = 0;
		const uint8_t *expr = nullptr;
		uint64_t expr_len = 0;
	};
	struct State {
		uint8_t cfa_kind = 0;  // CfaKind in fde_rows.cpp
		uint64_t cfa_reg = 0, cfa_off = 0;
		const uint8_t *cfa_expr = nullptr;
		uint64_t cfa_expr_len = 0;
		RegRule rbp, ra;
	};
	struct Cie {
		bool ok = false;
		bool signal = false;
		bool sized_aug = false;
		uint8_t fde_enc = 0;
		uint64_t fde_aug_size = 0;
		uint64_t caf = 1;
		int64_t daf = 1;
		State initial;
	};

private:
	const Cie &cie_at(uint64_t off);
	EhFrameSection eh_;
	std::unordered_map<uint64_t, Cie> cies_;
	uint64_t last_start_ = 0, last_end_ = 0;
};

// The rule unwind_table.cpp's classification gives a state (exposed for the
// tests' hand-made programs).
UnwindRule classify_state(const FdeRowReader::State &s, bool signal);

}  // namespace xpu
