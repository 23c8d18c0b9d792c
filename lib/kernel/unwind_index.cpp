#include "kernel/unwind_index.hpp"

#include <algorithm>

namespace xpu {

namespace {

uint64_t pages_for(const uint32_t *pcs, size_t count, uint32_t shift)
{
	return ((static_cast<uint64_t>(pcs[count - 1]) - pcs[0]) >> shift) + 1;
}

}  // namespace

uint32_t page_shift_for(const uint32_t *pcs, size_t count)
{
	uint32_t shift = XPU_PAGE_SHIFT_MIN;
	if (count == 0)
		return shift;
	while (shift < XPU_PAGE_SHIFT_MAX && pages_for(pcs, count, shift) * XPU_ROWS_PER_PAGE > count)
		shift++;
	return shift;
}

PageIndex build_page_index(const uint32_t *pcs, size_t count, uint32_t shift)
{
	PageIndex ix;
	ix.shift = shift;
	if (count == 0)
		return ix;
	ix.page_base = pcs[0];
	uint64_t n = pages_for(pcs, count, shift);
	ix.pages.resize(n);
	// Page p covers [start, start + 2^shift): the row at its start (the
	// last at or below it: page 0 starts at the first row, so there is
	// always one) up to the last row that starts inside it.
	size_t first = 0;  // the last row at or below the page's start
	size_t next = 0;   // the first row above it
	for (uint64_t p = 0; p < n; p++) {
		uint64_t start = ix.page_base + (p << shift);
		uint64_t end = start + (1ull << shift);
		while (next < count && pcs[next] <= start)
			next++;
		first = next ? next - 1 : 0;
		size_t last = next;
		while (last < count && pcs[last] < end)
			last++;
		// Rows [first, last) can cover an address of the page.
		ix.pages[p] = xpu_unwind_page{static_cast<__u32>(first), static_cast<__u16>(last - first), 0};
	}
	return ix;
}

std::optional<uint32_t> find_row(const uint32_t *pcs, size_t count, const PageIndex &index,
				 uint64_t rel)
{
	if (count == 0 || rel < index.page_base)
		return std::nullopt;
	uint64_t page = (rel - index.page_base) >> index.shift;
	if (page >= index.pages.size())
		return static_cast<uint32_t>(count - 1);  // past the last row's page
	const xpu_unwind_page &pg = index.pages[page];
	uint32_t lo = pg.first, hi = pg.first + pg.count;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (rel < pcs[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == pg.first)
		return std::nullopt;  // below the first row
	return lo - 1;
}

}  // namespace xpu
