// The page index that narrows the in-kernel unwinder's row search
// (bpf/unwind.h, struct xpu_unwind_page): a binary's ELF address range cut
// into pages of 2^shift bytes, each naming the few rows that can cover an
// address in it. The BPF walk binary-searches those rows only, a handful,
// instead of all of the binary's rows (libc: 28k, libtorch_cpu: 1.4M).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "bpf/unwind.h"

namespace xpu {

struct PageIndex {
	uint32_t page_base = 0;  // ELF address of page 0: the first row's pc
	uint32_t shift = 0;      // pages are 2^shift bytes
	std::vector<xpu_unwind_page> pages;
};

// The smallest page size (from 2^XPU_PAGE_SHIFT_MIN to 2^XPU_PAGE_SHIFT_MAX
// bytes) whose index has at most one page per XPU_ROWS_PER_PAGE rows: the
// rows array holds index and rows together, so the index is kept to a
// fixed share of it.
uint32_t page_shift_for(const uint32_t *pcs, size_t count);

// The index of rows sorted by pc (`pcs`: each row's start), pages of
// 2^shift bytes (shift at most XPU_PAGE_SHIFT_MAX) from the first row's pc
// to the last's. The pages' rules are left 0: the loader, which numbers
// the rules, fills in those of single-row pages.
PageIndex build_page_index(const uint32_t *pcs, size_t count, uint32_t shift);

// The row that applies at ELF address `rel` (the last one at or below it),
// found the way bpf/unwind.bpf.h's find_row() does: through the index,
// then a binary search of the page's rows. None below the first row.
std::optional<uint32_t> find_row(const uint32_t *pcs, size_t count, const PageIndex &index,
				 uint64_t rel);

}  // namespace xpu
