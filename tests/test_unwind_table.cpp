// Unwind tables against two references: libdw asked directly at single
// addresses (checks how rows are split and merged), and binutils'
// readelf --debug-dump=frames-interp, an independent CFI interpreter.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "symbolize/elf_file.hpp"
#include "kernel/fde_rows.hpp"
#include "kernel/unwind_table.hpp"

using namespace xpu;
using namespace xpu::test;

namespace {

UnwindTable table_of(ElfFile &f)
{
	auto t = build_unwind_table(f.elf());
	INFO(f.name());
	REQUIRE(t);
	return std::move(*t);
}

std::string describe(const UnwindRule &r)
{
	return fmt::format("cfa kind {} off {} rbp kind {} off {}", r.cfa_kind, r.cfa_off,
			   r.rbp_kind, r.rbp_off);
}

}  // namespace

TEST_CASE("unwind table: every row agrees with libdw at its start, middle and end",
	  "[unwind_table]")
{
	for (const std::string &path : {build_dir() + "/examples/cpu_split_nofp",
				       build_dir() + "/fixtures/symbols_pie",
				       std::string("/lib/x86_64-linux-gnu/libc.so.6")}) {
		auto f = ElfFile::open_path(path);
		REQUIRE(f);
		UnwindTable t = table_of(**f);
		REQUIRE(t.rows.size() > 10);
		CHECK(std::is_sorted(t.rows.begin(), t.rows.end(),
				     [](auto &a, auto &b) { return a.pc < b.pc; }));
		size_t step = t.rows.size() > 2000 ? 7 : 1;  // libc: 28k rows
		size_t checked = 0;
		for (size_t i = 0; i + 1 < t.rows.size(); i += step) {
			uint64_t lo = t.rows[i].pc, hi = t.rows[i + 1].pc;
			for (uint64_t pc : {lo, lo + (hi - lo) / 2, hi - 1}) {
				UnwindRule want = libdw_rule_at((*f)->elf(), pc);
				UnwindRule got = rule_at(t, pc);
				INFO(path << " pc " << std::hex << pc << ": table " << describe(got)
					  << ", libdw " << describe(want));
				// A gap between FDEs: libdw finds no CFI there either.
				CHECK(got == want);
				checked++;
			}
		}
		CHECK(checked > 30);
	}
}

TEST_CASE("unwind table: rules match readelf's frames-interp on a fixture", "[unwind_table]")
{
	std::string path = build_dir() + "/examples/cpu_split_nofp";
	auto f = ElfFile::open_path(path);
	REQUIRE(f);
	UnwindTable t = table_of(**f);
	auto r = run({"/usr/bin/readelf", "--debug-dump=frames-interp", path});
	REQUIRE(r.exit_code == 0);

	// Per CIE: its initial row, for FDEs that print no table of their own.
	static const std::regex cie_re(R"(^([0-9a-f]{8}) [0-9a-f]+ [0-9a-f]+ CIE)");
	static const std::regex fde_re(R"(FDE cie=([0-9a-f]{8}) pc=([0-9a-f]+)\.\.([0-9a-f]+))");
	static const std::regex row_re(R"(^([0-9a-f]{16}) +(\S+)(.*)$)");
	std::map<std::string, std::vector<std::string>> cie_rows;
	std::istringstream in(r.out);
	std::string line, cie, header;
	uint64_t fde_lo = 0, fde_hi = 0;
	std::vector<std::string> columns;
	size_t rows_checked = 0;
	auto check_row = [&](uint64_t pc, const std::string &cfa,
			     const std::map<std::string, std::string> &regs) {
		UnwindRule got = rule_at(t, pc);
		INFO("pc " << std::hex << pc << " readelf cfa " << cfa << ": " << describe(got));
		if (regs.count("ra") && regs.at("ra") == "u") {
			CHECK(got.cfa_kind == XPU_CFA_STOP);
			return;
		}
		std::smatch m;
		static const std::regex reg_off(R"((rsp|rbp)\+(\d+))");
		if (std::regex_match(cfa, m, reg_off)) {
			CHECK(got.cfa_kind == (m[1] == "rsp" ? XPU_CFA_RSP : XPU_CFA_RBP));
			CHECK(got.cfa_off == std::stoi(m[2]));
		} else {
			CHECK(cfa == "exp");  // PLT or something we mark unusable
			CHECK((got.cfa_kind == XPU_CFA_PLT || got.cfa_kind == XPU_CFA_INVALID));
		}
		auto rbp = regs.count("rbp") ? regs.at("rbp") : std::string("u");
		if (rbp.starts_with("c")) {
			CHECK(got.rbp_kind == XPU_RBP_AT_CFA);
			CHECK(got.rbp_off == std::stoi(rbp.substr(1)));
		} else {
			CHECK(got.rbp_kind != XPU_RBP_AT_CFA);
		}
		rows_checked++;
	};
	auto parse_row = [&](const std::string &l, uint64_t &pc, std::string &cfa,
			     std::map<std::string, std::string> &regs) {
		std::smatch m;
		if (!std::regex_match(l, m, row_re))
			return false;
		pc = std::stoull(m[1], nullptr, 16);
		cfa = m[2];
		std::istringstream rest(m[3].str());
		regs.clear();
		for (size_t c = 0; c < columns.size(); c++) {
			std::string v;
			rest >> v;
			regs[columns[c]] = v;
		}
		return true;
	};
	bool in_fde = false, fde_had_rows = false;
	std::vector<std::string> cie_columns;
	std::map<std::string, std::pair<std::vector<std::string>, std::string>> cie_initial;
	while (std::getline(in, line)) {
		std::smatch m;
		if (std::regex_search(line, m, cie_re)) {
			cie = m[1];
			in_fde = false;
			continue;
		}
		if (std::regex_search(line, m, fde_re)) {
			if (in_fde && !fde_had_rows && cie_initial.count(cie)) {
				columns = cie_initial[cie].first;
				uint64_t pc;
				std::string cfa;
				std::map<std::string, std::string> regs;
				parse_row(cie_initial[cie].second, pc, cfa, regs);
				check_row(fde_lo, cfa, regs);
			}
			cie = m[1];
			fde_lo = std::stoull(m[2], nullptr, 16);
			fde_hi = std::stoull(m[3], nullptr, 16);
			in_fde = true;
			fde_had_rows = false;
			continue;
		}
		if (line.find("LOC") != std::string::npos && line.find("CFA") != std::string::npos) {
			std::istringstream h(line);
			std::string word;
			columns.clear();
			h >> word >> word;  // LOC CFA
			while (h >> word)
				columns.push_back(word);
			continue;
		}
		uint64_t pc;
		std::string cfa;
		std::map<std::string, std::string> regs;
		if (!parse_row(line, pc, cfa, regs))
			continue;
		if (!in_fde) {  // the CIE's initial row
			cie_initial[cie] = {columns, line};
			continue;
		}
		fde_had_rows = true;
		if (pc >= fde_lo && pc < fde_hi)
			check_row(pc, cfa, regs);
	}
	CHECK(rows_checked > 20);
}

TEST_CASE("unwind table: libc's rules, and where the stack ends", "[unwind_table]")
{
	auto f = ElfFile::open_path("/lib/x86_64-linux-gnu/libc.so.6");
	REQUIRE(f);
	UnwindTable t = table_of(**f);
	// Measured: ~28k rows, a handful unusable (UNWIND.md found 4 in libc).
	CHECK(t.rows.size() > 10000);
	CHECK(t.invalid_rows < 50);
	// clone3's child path says "return address undefined": a root.
	auto clone3 = (*f)->find_symbol("__clone3");
	if (!clone3)
		clone3 = (*f)->find_symbol("clone3");
	REQUIRE(clone3);
	bool has_stop = false;
	for (uint64_t pc = clone3->start; pc < clone3->end; pc++)
		has_stop |= rule_at(t, pc).cfa_kind == XPU_CFA_STOP;
	CHECK(has_stop);
	// The PLT has its own expression, recognized.
	bool has_plt = std::any_of(t.rows.begin(), t.rows.end(),
				   [](auto &r) { return r.rule.cfa_kind == XPU_CFA_PLT; });
	CHECK(has_plt);
}

namespace {

// Builds `path`'s table with both readers and compares every row.
void compare_readers(const std::string &path)
{
	auto f = ElfFile::open_path(path);
	REQUIRE(f);
	auto own = build_unwind_table((*f)->elf(), UnwindTableBuilder::Reader::own);
	auto ref = build_unwind_table((*f)->elf(), UnwindTableBuilder::Reader::libdw);
	INFO(path);
	REQUIRE(ref);
	REQUIRE(own);
	CHECK(!own->by_libdw);
	CHECK(own->refused_fdes == 0);
	CHECK(own->unread_fdes == 0);
	CHECK(own->fdes == ref->fdes);
	CHECK(own->invalid_rows == ref->invalid_rows);
	REQUIRE(own->rows.size() == ref->rows.size());
	size_t differing = 0;
	for (size_t i = 0; i < own->rows.size(); i++) {
		const UnwindRow &a = own->rows[i], &b = ref->rows[i];
		if (a.pc == b.pc && a.rule == b.rule)
			continue;
		if (differing++ < 5)
			FAIL_CHECK("row " << i << " pc " << std::hex << a.pc << " " << describe(a.rule)
					  << " vs libdw pc " << b.pc << " " << describe(b.rule));
	}
	CHECK(differing == 0);
}

}  // namespace

TEST_CASE("unwind table: our .eh_frame reader gives libdw's rows, every one", "[unwind_table]")
{
	compare_readers("/lib/x86_64-linux-gnu/libc.so.6");
	compare_readers("/lib64/ld-linux-x86-64.so.2");
	compare_readers("/usr/bin/python3.11");
	compare_readers(build_dir() + "/xpu-perf-tests");
	compare_readers(build_dir() + "/examples/cpu_split_nofp");
}

TEST_CASE("unwind table: our reader gives libdw's rows for libtorch_cpu", "[unwind_table]")
{
	const std::string path = "/usr/lib/x86_64-linux-gnu/libtorch_cpu.so";
	if (access(path.c_str(), R_OK) != 0)
		XPU_SKIP(path << " not installed (python3-torch)");
	compare_readers(path);
}

// Not a test: build times of both readers, alternating, medians of 5
// (`build/xpu-perf-tests '[.unwind_bench]'`).
TEST_CASE("unwind table: build time, our reader vs libdw's", "[.unwind_bench]")
{
	for (const std::string &path : {std::string("/usr/lib/x86_64-linux-gnu/libtorch_cpu.so"),
				       std::string("/lib/x86_64-linux-gnu/libc.so.6"),
				       std::string("/usr/bin/python3.11")}) {
		auto f = ElfFile::open_path(path);
		if (!f)
			continue;
		std::vector<double> own_ms, ref_ms;
		size_t rows = 0;
		for (int run = 0; run < 5; run++) {
			for (auto which : {UnwindTableBuilder::Reader::own, UnwindTableBuilder::Reader::libdw}) {
				auto t0 = std::chrono::steady_clock::now();
				auto t = build_unwind_table((*f)->elf(), which);
				double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
				REQUIRE(t);
				rows = t->rows.size();
				(which == UnwindTableBuilder::Reader::own ? own_ms : ref_ms).push_back(ms);
			}
		}
		std::sort(own_ms.begin(), own_ms.end());
		std::sort(ref_ms.begin(), ref_ms.end());
		fmt::print("{}: {} rows, own {:.1f} ms, libdw {:.1f} ms (medians of 5; own {:.1f}..{:.1f}, libdw {:.1f}..{:.1f})\n",
			   path, rows, own_ms[2], ref_ms[2], own_ms.front(), own_ms.back(), ref_ms.front(), ref_ms.back());
	}
}

namespace {

// A hand-made .eh_frame: one CIE (caf 1, daf -8, CFA = rsp+8, return
// address at CFA-8, FDE addresses udata4) and one FDE for
// [0x1000, 0x1000 + range) with `program`.
std::vector<uint8_t> eh_frame_with(uint32_t range, const std::vector<uint8_t> &program)
{
	std::vector<uint8_t> b;
	auto u32 = [&](uint32_t v) {
		for (int i = 0; i < 4; i++)
			b.push_back(static_cast<uint8_t>(v >> (8 * i)));
	};
	std::vector<uint8_t> cie = {0, 0, 0, 0, 1, 'z', 'R', 0, 0x01, 0x78, 0x10, 1, 0x03,
				    0x0c, 0x07, 0x08, 0x90, 0x01};
	u32(static_cast<uint32_t>(cie.size()));
	b.insert(b.end(), cie.begin(), cie.end());
	size_t fde_at = b.size();
	u32(static_cast<uint32_t>(4 + 4 + 4 + 1 + program.size()));
	u32(static_cast<uint32_t>(fde_at + 4));  // back to the CIE at offset 0
	u32(0x1000);
	u32(range);
	b.push_back(0);  // no augmentation data
	b.insert(b.end(), program.begin(), program.end());
	u32(0);  // terminator
	return b;
}

constexpr uint64_t kEhVaddr = 0x8000;

struct Rows {
	std::vector<UnwindRow> rows;
	FdeOutcome outcome;
};

Rows rows_of(const std::vector<uint8_t> &eh, uint64_t limit)
{
	FdeRowReader r({eh.data(), eh.size(), kEhVaddr});
	Rows out;
	size_t cie_size = 4 + eh[0];
	out.outcome = r.rows(kEhVaddr + cie_size, 0x1000, limit,
			     [&](uint64_t pc, const UnwindRule &rule) { out.rows.push_back({pc, rule}); });
	return out;
}

UnwindRule rsp(int16_t off, uint8_t rbp_kind = XPU_RBP_SAME, int16_t rbp_off = 0)
{
	return UnwindRule{.cfa_kind = XPU_CFA_RSP, .rbp_kind = rbp_kind, .cfa_off = off, .rbp_off = rbp_off};
}

void check_rows(const Rows &got, const std::vector<UnwindRow> &want)
{
	REQUIRE(got.rows.size() == want.size());
	for (size_t i = 0; i < want.size(); i++) {
		INFO("row " << i << " pc " << std::hex << got.rows[i].pc << ": " << describe(got.rows[i].rule)
			    << ", want pc " << want[i].pc << ": " << describe(want[i].rule));
		CHECK(got.rows[i].pc == want[i].pc);
		CHECK(got.rows[i].rule == want[i].rule);
	}
}

}  // namespace

TEST_CASE("fde rows: remember/restore_state, restore, and the end of the FDE", "[unwind_table]")
{
	// adv 1; cfa off 16; rbp at cfa-16; adv 4; remember; cfa off 8;
	// restore rbp; adv 2; restore_state; adv 1; cfa off 8.
	auto eh = eh_frame_with(0x20, {0x41, 0x0e, 0x10, 0x86, 0x02, 0x44, 0x0a, 0x0e, 0x08, 0xc6,
				       0x42, 0x0b, 0x41, 0x0e, 0x08});
	Rows got = rows_of(eh, 0x1030);
	CHECK(got.outcome == FdeOutcome::rows);
	check_rows(got, {{0x1000, rsp(8)},
			 {0x1001, rsp(16, XPU_RBP_AT_CFA, -16)},
			 {0x1005, rsp(8)},
			 {0x1007, rsp(16, XPU_RBP_AT_CFA, -16)},
			 {0x1008, rsp(8, XPU_RBP_AT_CFA, -16)},
			 {0x1020, UnwindRule{.cfa_kind = XPU_CFA_NONE}}});
	// The next FDE's start cuts the rows (no NONE row then).
	got = rows_of(eh, 0x1006);
	check_rows(got, {{0x1000, rsp(8)}, {0x1001, rsp(16, XPU_RBP_AT_CFA, -16)}, {0x1005, rsp(8)}});
}

TEST_CASE("fde rows: advance_loc4, advances by zero, and the PLT expression", "[unwind_table]")
{
	// adv4 0x10000; adv 0; cfa off 24.
	check_rows(rows_of(eh_frame_with(0x20000, {0x04, 0x00, 0x00, 0x01, 0x00, 0x40, 0x0e, 0x18}), 0x21000),
		   {{0x1000, rsp(8)}, {0x11000, rsp(24)}});
	// GCC's PLT: breg7 8; breg16 0; lit15; and; lit11; ge; lit3; shl; plus.
	auto plt = eh_frame_with(0x10, {0x0f, 11, 0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a,
					0x33, 0x24, 0x22});
	check_rows(rows_of(plt, 0x1010), {{0x1000, UnwindRule{.cfa_kind = XPU_CFA_PLT, .cfa_off = 11}}});
	// Another expression: not followed.
	auto other = eh_frame_with(0x10, {0x0f, 2, 0x77, 0x10});
	check_rows(rows_of(other, 0x1010), {{0x1000, UnwindRule{}}});
}

TEST_CASE("fde rows: undefined return address, expressions, and what is refused", "[unwind_table]")
{
	// adv 2; ra undefined: the root.
	check_rows(rows_of(eh_frame_with(0x10, {0x42, 0x07, 0x10}), 0x1010),
		   {{0x1000, rsp(8)}, {0x1002, UnwindRule{.cfa_kind = XPU_CFA_STOP}}});
	// rbp by DW_CFA_expression (breg6 0): cannot follow; rbp by
	// val_offset: neither.
	check_rows(rows_of(eh_frame_with(0x10, {0x41, 0x10, 0x06, 0x02, 0x76, 0x00}), 0x1010),
		   {{0x1000, rsp(8)}, {0x1001, UnwindRule{}}});
	check_rows(rows_of(eh_frame_with(0x10, {0x14, 0x06, 0x02}), 0x1010), {{0x1000, UnwindRule{}}});
	// def_cfa_register after an expression: an invalid CFA (libdw's rule).
	check_rows(rows_of(eh_frame_with(0x10, {0x0f, 1, 0x9c, 0x0d, 0x07}), 0x1010), {{0x1000, UnwindRule{}}});
	// set_loc: not followed, the rest of the FDE is invalid.
	Rows got = rows_of(eh_frame_with(0x10, {0x43, 0x01, 0x08, 0x10, 0, 0}), 0x1020);
	CHECK(got.outcome == FdeOutcome::refused);
	check_rows(got, {{0x1000, rsp(8)}, {0x1003, UnwindRule{}}, {0x1010, UnwindRule{.cfa_kind = XPU_CFA_NONE}}});
	// restore_state with nothing remembered, and a truncated operand.
	CHECK(rows_of(eh_frame_with(0x10, {0x0b}), 0x1010).outcome == FdeOutcome::refused);
	CHECK(rows_of(eh_frame_with(0x10, {0x0e}), 0x1010).outcome == FdeOutcome::refused);
	// A pc before the FDE's own start: no CFI there.
	FdeRowReader r({nullptr, 0, kEhVaddr});
	CHECK(r.rows(kEhVaddr, 0x1000, 0x1010, [](uint64_t, const UnwindRule &) {}) == FdeOutcome::no_fde);
}
