// The unwind table store: where tables go in the rows array (RowAllocator),
// and the loader's policy against the real BPF maps: processes described at
// once, tables built ahead of need only into the first half of the array,
// a table a walk wants placed by evicting cold tables, hot ones kept, and a
// missing table named with its reason. The ELF files are this test
// program's own libraries; the kernel's maps are read back to check what
// the in-kernel unwinder would see.
#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "kernel/bpf_session.hpp"
#include "kernel/row_allocator.hpp"
#include "kernel/unwind_index.hpp"
#include "kernel/unwind_loader.hpp"
#include "symbolize/elf_file.hpp"
#include "xpu.skel.h"

using namespace xpu;

TEST_CASE("row allocator: first fit low, last fit high, freed ranges merge", "[unwind][store]")
{
	RowAllocator a(100);
	CHECK(a.take(0) == std::nullopt);
	CHECK(a.take(30) == 0u);
	CHECK(a.take_high(20) == 80u);
	CHECK(a.take(10) == 30u);
	CHECK(a.used() == 60);
	CHECK(a.largest_free() == 40);  // [40, 80)
	CHECK(a.take(41) == std::nullopt);
	a.give_back(0, 30);  // [0, 30) and [40, 80) free, [30, 40) taken
	CHECK(a.largest_free() == 40);
	a.give_back(30, 10);  // merges both sides: [0, 80)
	CHECK(a.largest_free() == 80);
	CHECK(a.free_ranges().size() == 1);
	CHECK(a.take_high(80) == 0u);
	CHECK(a.largest_free() == 0);
	a.give_back(80, 20);
	a.give_back(0, 80);
	CHECK(a.used() == 0);
	CHECK(a.free_ranges() == std::map<uint32_t, uint32_t>{{0, 100}});
}

namespace {

struct Store {
	std::unique_ptr<BpfSession> bpf;
	std::unique_ptr<UnwindLoader> loader;
};

xpu_unwind_bin kernel_bin(BpfSession &bpf, uint32_t id)
{
	xpu_unwind_bin b{};
	REQUIRE(bpf_map_lookup_elem(bpf_map__fd(bpf.skel().maps.unwind_bins), &id, &b) == 0);
	return b;
}

// The bin the kernel's description of `pid` gives the mapping at `start`.
uint32_t kernel_bin_of(BpfSession &bpf, pid_t pid, uint64_t start)
{
	auto proc = std::make_unique<xpu_unwind_proc>();
	__u32 key = static_cast<__u32>(pid);
	REQUIRE(bpf_map_lookup_elem(bpf_map__fd(bpf.skel().maps.unwind_procs), &key, proc.get()) == 0);
	for (uint32_t i = 0; i < proc->count; i++)
		if (proc->m[i].start == start)
			return proc->m[i].bin;
	FAIL("no mapping at " << start);
	return 0;
}

}  // namespace

TEST_CASE("unwind store: tables a walk wants evict cold ones, never hot ones", "[bpf][unwind][store]")
{
	if (geteuid() != 0)
		XPU_SKIP("needs root to load BPF programs");
	Symbolizer sym;
	const uint32_t gen = 7;
	REQUIRE(sym.snapshot(getpid(), gen));
	std::vector<ExecMapping> maps = sym.exec_mappings(getpid(), gen);
	// Slots each distinct binary takes, as the loader will build them:
	// its rows and their page index. The kernel bin counts the rows.
	std::map<ElfFile *, uint32_t> rows, table_rows;
	for (const ExecMapping &m : maps) {
		if (rows.contains(m.file))
			continue;
		auto t = build_unwind_table(m.file->elf());
		if (!t)
			continue;
		std::vector<uint32_t> pcs;
		for (const UnwindRow &r : t->rows)
			pcs.push_back(static_cast<uint32_t>(r.pc));
		auto pages = build_page_index(pcs.data(), pcs.size(), page_shift_for(pcs.data(), pcs.size())).pages.size();
		rows[m.file] = static_cast<uint32_t>(pcs.size() + pages);
		table_rows[m.file] = static_cast<uint32_t>(pcs.size());
	}
	REQUIRE(rows.size() >= 3);
	std::vector<std::pair<uint32_t, ElfFile *>> by_size;
	for (auto [f, n] : rows)
		by_size.emplace_back(n, f);
	std::sort(by_size.rbegin(), by_size.rend());
	auto [big_rows, big] = by_size[0];
	uint32_t rest = 0;
	for (size_t i = 1; i < by_size.size(); i++)
		rest += by_size[i].first;
	// Room for the largest table and a little more, but not for all.
	uint32_t capacity = big_rows + by_size[1].first / 2;
	INFO("largest " << big->name() << " " << big_rows << " rows; the rest " << rest << "; capacity "
			<< capacity);
	REQUIRE(rest > capacity - big_rows);

	BpfOptions bo;
	bo.unwind_rows = capacity;
	auto opened = BpfSession::open(bo);
	REQUIRE(opened);
	BpfSession &bpf = **opened;
	UnwindLoader loader(bpf);
	REQUIRE(loader.init());

	// The largest binary's mappings last: tables built ahead of need go in
	// mapping order, and it must find the first half already taken.
	std::stable_partition(maps.begin(), maps.end(), [&](const ExecMapping &m) { return m.file != big; });
	// Described at once: every mapping points at a bin, none has rows yet.
	loader.load(getpid(), gen, maps);
	uint32_t big_bin = 0;
	for (const ExecMapping &m : maps) {
		uint32_t id = kernel_bin_of(bpf, getpid(), m.start);
		CHECK(id != 0);
		CHECK(kernel_bin(bpf, id).row_count == 0);
		if (m.file == big)
			big_bin = id;
	}
	REQUIRE(big_bin != 0);
	CHECK(loader.stats().queued >= rows.size());

	// Ahead of need, tables fill the first half of the array only.
	loader.build_queued(UnwindLoader::Clock::now() + std::chrono::seconds(30));
	UnwindStats s = loader.stats();
	CHECK(s.loaded >= 1);
	CHECK(s.rows <= capacity / 2 + by_size[0].first);
	CHECK(s.queued >= 1);
	CHECK(s.evictions == 0);
	CHECK(loader.missing_tables().size() >= 1);

	// A walk wants the largest table: cold tables (built ahead, never
	// walked) make room; it is loaded whole, and the kernel sees its rows.
	REQUIRE(kernel_bin(bpf, big_bin).row_count == 0);
	loader.want(big_bin);
	loader.build_queued(UnwindLoader::Clock::now() + std::chrono::seconds(30));
	xpu_unwind_bin kb = kernel_bin(bpf, big_bin);
	CHECK(kb.row_count == table_rows[big]);
	CHECK(kb.page_count == big_rows - table_rows[big]);
	CHECK(kb.flags == 0);
	CHECK(loader.stats().evictions >= 1);
	auto missing = loader.missing_tables();
	CHECK(!missing.contains("[" + std::filesystem::path(big->name()).filename().string() + "]"));
	bool named_evicted = false;
	for (const auto &[label, m] : missing)
		named_evicted |= m.why == "evicted for a table used more";
	CHECK(named_evicted);
	// Loaded because a walk wanted it: it counts as used now.
	CHECK(unwind_epoch_now() - kb.used_epoch <= 2);

	// Every other table wanted now: the largest is hot, nothing may evict
	// it, and those that find no room say so.
	for (const ExecMapping &m : maps)
		if (m.file != big)
			loader.want(kernel_bin_of(bpf, getpid(), m.start));
	loader.build_queued(UnwindLoader::Clock::now() + std::chrono::seconds(30));
	CHECK(kernel_bin(bpf, big_bin).row_count == table_rows[big]);
	s = loader.stats();
	CHECK(s.no_room >= 1);
	CHECK(s.rows <= capacity);
	bool named_full = false;
	for (const auto &[label, m] : loader.missing_tables())
		named_full |= m.why == "rows array full";
	CHECK(named_full);
}
