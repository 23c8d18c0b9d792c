// The page index of the in-kernel unwinder's rows (bpf/unwind.h, struct
// xpu_unwind_page): the row found through it, as bpf/unwind.bpf.h's
// find_rule() looks it up (find_row() is that lookup in user space, on
// the same layout), is the last row at or below the address, found over
// all the rows. The kernel side is checked end to end by the [unwind]
// cases' no-frame-pointer stacks.
#include <algorithm>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "kernel/unwind_index.hpp"
#include "kernel/unwind_table.hpp"
#include "symbolize/elf_file.hpp"

using namespace xpu;
using namespace xpu::test;

namespace {

// The reference: the last row at or below `pc` over all the rows.
std::optional<uint32_t> last_row_at(const std::vector<uint32_t> &pcs, uint64_t pc)
{
	auto it = std::upper_bound(pcs.begin(), pcs.end(), pc);
	if (it == pcs.begin())
		return std::nullopt;
	return static_cast<uint32_t>(it - pcs.begin() - 1);
}

}  // namespace

TEST_CASE("unwind index: the row found through a page is the one over all rows", "[unwind_table]")
{
	for (const std::string &path : {build_dir() + "/examples/cpu_split_nofp",
				       std::string("/lib/x86_64-linux-gnu/libc.so.6")}) {
		auto f = ElfFile::open_path(path);
		REQUIRE(f);
		auto t = build_unwind_table((*f)->elf());
		REQUIRE(t);
		std::vector<uint32_t> pcs;
		for (const UnwindRow &r : t->rows)
			pcs.push_back(static_cast<uint32_t>(r.pc));
		uint32_t chosen = page_shift_for(pcs.data(), pcs.size());
		INFO(path << ": " << pcs.size() << " rows, pages of 2^" << chosen);
		CHECK(chosen >= XPU_PAGE_SHIFT_MIN);
		CHECK(chosen <= XPU_PAGE_SHIFT_MAX);
		// The smallest, the chosen and the largest page sizes: pages of one
		// row, of a handful, of hundreds.
		for (uint32_t shift : {uint32_t(XPU_PAGE_SHIFT_MIN), chosen, uint32_t(XPU_PAGE_SHIFT_MAX)}) {
			PageIndex ix = build_page_index(pcs.data(), pcs.size(), shift);
			INFO("shift " << shift);
			REQUIRE(!ix.pages.empty());
			CHECK(ix.page_base == pcs.front());
			if (shift == chosen)  // the index is kept to a share of the rows
				CHECK(ix.pages.size() * XPU_ROWS_PER_PAGE <= pcs.size() + XPU_ROWS_PER_PAGE);
			for (const xpu_unwind_page &p : ix.pages) {
				REQUIRE(p.count >= 1);
				REQUIRE(p.first + p.count <= pcs.size());
			}
			size_t step = pcs.size() > 2000 ? 5 : 1;
			size_t checked = 0;
			for (size_t i = 0; i < pcs.size(); i += step) {
				uint64_t lo = pcs[i], hi = i + 1 < pcs.size() ? pcs[i + 1] : lo + 64;
				for (uint64_t pc : {lo - 1, lo, lo + (hi - lo) / 2, hi - 1}) {
					auto want = last_row_at(pcs, pc);
					auto got = find_row(pcs.data(), pcs.size(), ix, pc);
					INFO("pc " << std::hex << pc);
					REQUIRE(got == want);
					// And so the rule the walk applies is the table's.
					if (got)
						REQUIRE(t->rows[*got].rule == rule_at(*t, pc));
					checked++;
				}
			}
			CHECK(checked > 100);
			// Below the first row there is none; far past the last, the last.
			CHECK(find_row(pcs.data(), pcs.size(), ix, pcs.front() - 1) == std::nullopt);
			CHECK(find_row(pcs.data(), pcs.size(), ix, uint64_t(pcs.back()) + (1u << 20)) ==
			      pcs.size() - 1);
		}
	}
}
