#include "kernel/unwind_table.hpp"

#include "kernel/fde_rows.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

namespace xpu {

namespace {

constexpr int kRbp = 6, kRsp = 7, kRa = 16;  // DWARF x86-64 register numbers

Elf_Scn *section_named(Elf *elf, const char *name, GElf_Shdr &shdr)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return nullptr;
	for (Elf_Scn *scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
		if (!gelf_getshdr(scn, &shdr))
			continue;
		const char *n = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (n && std::strcmp(n, name) == 0)
			return scn;
	}
	return nullptr;
}

// Reads one DW_EH_PE-encoded value's raw bits (the application part, pcrel
// or datarel, is the caller's business). Returns its size, 0 if unsupported.
size_t read_encoded(const uint8_t *p, const uint8_t *end, uint8_t enc, int64_t &out)
{
	auto read = [&](auto v) -> size_t {
		if (p + sizeof(v) > end)
			return 0;
		std::memcpy(&v, p, sizeof(v));
		out = static_cast<int64_t>(v);
		return sizeof(v);
	};
	switch (enc & 0x0f) {
	case 0x00: return read(uint64_t{});  // absptr on a 64-bit ELF
	case 0x02: return read(uint16_t{});
	case 0x03: return read(uint32_t{});
	case 0x04: return read(uint64_t{});
	case 0x0a: return read(int16_t{});
	case 0x0b: return read(int32_t{});
	case 0x0c: return read(int64_t{});
	default: return 0;
	}
}

// .eh_frame_hdr's binary-search table, which the linker writes for every
// binary it gives an .eh_frame (--eh-frame-hdr): FDE start addresses and
// where each FDE is, sorted by start; of equal starts the last (the one
// libdw's binary search lands on). `sorted` says whether the file's own
// order was (libdw's search assumes it).
struct FdeTable {
	std::vector<std::pair<uint64_t, uint64_t>> fdes;  // start, FDE vaddr
	uint64_t eh_frame_ptr = 0;
	bool eh_frame_ptr_known = false;
	bool sorted = true;
};

Result<FdeTable> fde_table(Elf *elf)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = section_named(elf, ".eh_frame_hdr", shdr);
	Elf_Data *data = scn ? elf_getdata(scn, nullptr) : nullptr;
	if (!data || !data->d_buf || data->d_size < 4)
		return fail(ExitCode::internal, "no .eh_frame_hdr");
	auto *p = static_cast<const uint8_t *>(data->d_buf);
	const uint8_t *begin = p, *end = p + data->d_size;
	uint8_t version = p[0], ptr_enc = p[1], count_enc = p[2], table_enc = p[3];
	if (version != 1 || table_enc != 0x3b)  // datarel | sdata4: what GNU ld writes
		return fail(ExitCode::internal, ".eh_frame_hdr encoding {:#x} not supported",
			    table_enc);
	p += 4;
	int64_t ptr = 0, count = 0;
	size_t n = read_encoded(p, end, ptr_enc, ptr);
	if (!n)
		return fail(ExitCode::internal, ".eh_frame_hdr: bad pointer encoding");
	FdeTable t;
	if ((ptr_enc & 0xf0) == 0x10) {  // pcrel, what GNU ld writes
		t.eh_frame_ptr = shdr.sh_addr + (p - begin) + ptr;
		t.eh_frame_ptr_known = true;
	} else if ((ptr_enc & 0xf0) == 0) {
		t.eh_frame_ptr = static_cast<uint64_t>(ptr);
		t.eh_frame_ptr_known = true;
	}
	p += n;
	n = read_encoded(p, end, count_enc, count);
	// The count is the file's word: compared by division, since 8 * count
	// can overflow (a fuzzed header did).
	if (!n || count < 0 || static_cast<uint64_t>(count) > static_cast<uint64_t>(end - p - n) / 8)
		return fail(ExitCode::internal, ".eh_frame_hdr: bad FDE count");
	p += n;
	t.fdes.reserve(static_cast<size_t>(count));
	for (int64_t i = 0; i < count; i++, p += 8) {
		int32_t rel[2];
		std::memcpy(rel, p, sizeof(rel));
		uint64_t start = shdr.sh_addr + static_cast<int64_t>(rel[0]);
		if (!t.fdes.empty() && start < t.fdes.back().first)
			t.sorted = false;
		t.fdes.push_back({start, shdr.sh_addr + static_cast<int64_t>(rel[1])});
	}
	std::stable_sort(t.fdes.begin(), t.fdes.end(),
			 [](auto &a, auto &b) { return a.first < b.first; });
	// Of equal starts, keep the last.
	std::vector<std::pair<uint64_t, uint64_t>> unique;
	unique.reserve(t.fdes.size());
	for (size_t i = 0; i < t.fdes.size(); i++)
		if (i + 1 == t.fdes.size() || t.fdes[i + 1].first != t.fdes[i].first)
			unique.push_back(t.fdes[i]);
	t.fdes = std::move(unique);
	return t;
}

// .eh_frame as our own reader takes it, or nullopt where it leaves the
// binary to libdw: not x86-64, or laid out so that libdw would not use
// .eh_frame_hdr's table (its FDE lookup would then differ).
std::optional<EhFrameSection> own_reader_input(Elf *elf, const FdeTable &t)
{
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64 || !t.sorted ||
	    !t.eh_frame_ptr_known)
		return std::nullopt;
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return std::nullopt;
	bool hdr_seen = false;
	for (Elf_Scn *scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr))
			continue;
		const char *n = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (!n)
			continue;
		if (std::strcmp(n, ".eh_frame_hdr") == 0) {
			hdr_seen = true;
		} else if (std::strcmp(n, ".eh_frame") == 0) {
			// libdw takes the first .eh_frame, with the table only if
			// .eh_frame_hdr came before it and points at it.
			if (shdr.sh_type == SHT_NOBITS || !hdr_seen || shdr.sh_addr != t.eh_frame_ptr)
				return std::nullopt;
			Elf_Data *d = elf_rawdata(scn, nullptr);
			if (!d || !d->d_buf)
				return std::nullopt;
			return EhFrameSection{static_cast<const uint8_t *>(d->d_buf), d->d_size, shdr.sh_addr};
		}
	}
	return std::nullopt;
}

bool fits16(int64_t v) { return v >= std::numeric_limits<int16_t>::min() && v <= std::numeric_limits<int16_t>::max(); }

// "DW_OP_call_frame_cfa [DW_OP_plus_uconst off]": a register saved at CFA+off.
std::optional<int64_t> saved_at_cfa(const Dwarf_Op *ops, size_t nops)
{
	if (nops < 1 || nops > 2 || ops[0].atom != DW_OP_call_frame_cfa)
		return std::nullopt;
	if (nops == 1)
		return 0;
	if (ops[1].atom != DW_OP_plus_uconst)
		return std::nullopt;
	return static_cast<int64_t>(ops[1].number);  // libdw stores negative offsets wrapped
}

// GCC's PLT expression: rsp + 8 + ((rip & 15) >= N ? 8 : 0).
std::optional<int> plt_threshold(const Dwarf_Op *ops, size_t nops)
{
	static constexpr uint8_t kShape[] = {DW_OP_breg7, DW_OP_breg16, DW_OP_lit15, DW_OP_and,
					     0 /* litN */, DW_OP_ge,     DW_OP_lit3,  DW_OP_shl,
					     DW_OP_plus};
	if (nops != std::size(kShape) || ops[0].number != 8 || ops[1].number != 0)
		return std::nullopt;
	for (size_t i = 0; i < nops; i++) {
		if (i == 4) {
			if (ops[i].atom < DW_OP_lit0 || ops[i].atom > DW_OP_lit31)
				return std::nullopt;
		} else if (ops[i].atom != kShape[i]) {
			return std::nullopt;
		}
	}
	return ops[4].atom - DW_OP_lit0;
}

UnwindRule classify_cfa(Dwarf_Frame *frame)
{
	UnwindRule r;
	Dwarf_Op *ops = nullptr;
	size_t nops = 0;
	if (dwarf_frame_cfa(frame, &ops, &nops) != 0 || nops == 0)
		return r;
	if (nops == 1 && ops[0].atom == DW_OP_bregx) {
		auto off = static_cast<int64_t>(ops[0].number2);
		if (!fits16(off) || (ops[0].number != kRsp && ops[0].number != kRbp))
			return r;
		r.cfa_kind = ops[0].number == kRsp ? XPU_CFA_RSP : XPU_CFA_RBP;
		r.cfa_off = static_cast<int16_t>(off);
	} else if (auto n = plt_threshold(ops, nops)) {
		r.cfa_kind = XPU_CFA_PLT;
		r.cfa_off = static_cast<int16_t>(*n);
	}
	return r;
}

UnwindRule classify(Dwarf_Frame *frame)
{
	UnwindRule r = classify_cfa(frame);
	Dwarf_Op mem[3], *ops = nullptr;
	size_t nops = 0;
	// The return address: undefined marks the outermost frame; anything
	// but "saved at CFA-8" (x86-64's call convention) we cannot follow.
	if (dwarf_frame_register(frame, kRa, mem, &ops, &nops) != 0)
		return UnwindRule{};
	if (nops == 0 && ops == mem)
		return UnwindRule{.cfa_kind = XPU_CFA_STOP};
	if (r.cfa_kind == XPU_CFA_INVALID || saved_at_cfa(ops, nops) != -8)
		return UnwindRule{};
	if (dwarf_frame_register(frame, kRbp, mem, &ops, &nops) != 0)
		return UnwindRule{};
	if (nops == 0) {
		r.rbp_kind = ops == mem ? XPU_RBP_UNDEF : XPU_RBP_SAME;
	} else if (auto off = saved_at_cfa(ops, nops); off && fits16(*off)) {
		r.rbp_kind = XPU_RBP_AT_CFA;
		r.rbp_off = static_cast<int16_t>(*off);
	} else {
		return UnwindRule{};
	}
	return r;
}

void add_row(UnwindTable &t, uint64_t pc, const UnwindRule &rule)
{
	if (!t.rows.empty() && t.rows.back().pc == pc) {
		t.rows.back().rule = rule;  // an empty range before it: replaced
	} else if (t.rows.empty() || !(t.rows.back().rule == rule)) {
		t.rows.push_back({pc, rule});
	} else {
		return;  // same rule continues
	}
	if (rule.cfa_kind == XPU_CFA_INVALID)
		t.invalid_rows++;
}

struct CfiDeleter {
	void operator()(Dwarf_CFI *c) const { dwarf_cfi_end(c); }
};

// Rows for the FDE that starts at `start`, up to `limit` (the next FDE).
void add_fde_rows(UnwindTable &t, Dwarf_CFI *cfi, uint64_t start, uint64_t limit)
{
	uint64_t pc = start;
	while (pc < limit) {
		Dwarf_Frame *frame = nullptr;
		if (dwarf_cfi_addrframe(cfi, pc, &frame) != 0)
			break;
		Dwarf_Addr lo = 0, hi = 0;
		bool signal = false;
		dwarf_frame_info(frame, &lo, &hi, &signal);
		// A signal trampoline's caller is an interrupted context, not a
		// call: not a rule this unwinder applies (frame pointers instead).
		UnwindRule rule = signal ? UnwindRule{} : classify(frame);
		std::free(frame);
		if (hi <= pc)
			break;
		add_row(t, pc, rule);
		pc = hi;
	}
	if (pc < limit)
		add_row(t, pc, UnwindRule{.cfa_kind = XPU_CFA_NONE});
}

}  // namespace

// The libdw path (the reference, and what binaries our reader leaves to
// libdw get): libdw keeps every FDE and CIE it has read in search trees
// (tsearch) that each dwarf_cfi_addrframe() call looks up again, and
// replays the FDE's program from its start for every row. A fresh
// Dwarf_CFI every this many FDEs keeps the trees small and libdw's memory
// bounded (libtorch_cpu 444 -> 255 ms on this VM; 256 and 1024 were slower).
constexpr size_t kFdesPerCfi = 64;

struct UnwindTableBuilder::Impl {
	Elf *elf = nullptr;
	FdeTable fdes;
	std::optional<FdeRowReader> reader;  // empty: the libdw path
	std::unique_ptr<Dwarf_CFI, CfiDeleter> cfi;
	size_t next = 0;
	UnwindTable table;
};

UnwindTableBuilder::UnwindTableBuilder() = default;
UnwindTableBuilder::~UnwindTableBuilder() = default;

Result<std::unique_ptr<UnwindTableBuilder>> UnwindTableBuilder::start(Elf *elf, Reader which)
{
	auto fdes = fde_table(elf);
	if (!fdes)
		return std::unexpected(fdes.error());
	std::unique_ptr<UnwindTableBuilder> b(new UnwindTableBuilder());
	b->impl_ = std::make_unique<Impl>();
	Impl &m = *b->impl_;
	m.elf = elf;
	if (auto eh = own_reader_input(elf, *fdes); eh && which == Reader::own)
		m.reader.emplace(*eh);
	if (!m.reader) {
		m.cfi.reset(dwarf_getcfi_elf(elf));
		if (!m.cfi)
			return fail(ExitCode::internal, "no .eh_frame: {}", dwarf_errmsg(-1));
		m.table.by_libdw = true;
	}
	m.fdes = std::move(*fdes);
	m.table.fdes = m.fdes.fdes.size();
	return b;
}

size_t UnwindTableBuilder::remaining() const { return impl_->fdes.fdes.size() - impl_->next; }

bool UnwindTableBuilder::step(size_t max_fdes)
{
	Impl &m = *impl_;
	const auto &fdes = m.fdes.fdes;
	size_t stop = std::min(fdes.size(), m.next + max_fdes);
	auto emit = [&](uint64_t pc, const UnwindRule &rule) { add_row(m.table, pc, rule); };
	for (; m.next < stop; m.next++) {
		size_t i = m.next;
		uint64_t limit = i + 1 < fdes.size() ? fdes[i + 1].first : std::numeric_limits<uint64_t>::max();
		if (m.reader) {
			FdeOutcome o = m.reader->rows(fdes[i].second, fdes[i].first, limit, emit);
			m.table.refused_fdes += o == FdeOutcome::refused;
			m.table.unread_fdes += o == FdeOutcome::no_fde;
			if (m.reader->last_end() &&
			    (m.reader->last_start() < fdes[i].first || m.reader->last_end() > limit))
				m.table.overlapping_fdes++;
			continue;
		}
		if (i && i % kFdesPerCfi == 0) {
			std::unique_ptr<Dwarf_CFI, CfiDeleter> fresh(dwarf_getcfi_elf(m.elf));
			if (fresh)
				m.cfi = std::move(fresh);
		}
		add_fde_rows(m.table, m.cfi.get(), fdes[i].first, limit);
	}
	return m.next == fdes.size();
}

Result<UnwindTable> UnwindTableBuilder::finish()
{
	UnwindTable t = std::move(impl_->table);
	if (t.rows.empty())
		return fail(ExitCode::internal, ".eh_frame has no usable rows");
	if (t.rows.back().rule.cfa_kind != XPU_CFA_NONE)
		t.rows.push_back({t.rows.back().pc + 1, UnwindRule{.cfa_kind = XPU_CFA_NONE}});
	return t;
}

Result<UnwindTable> build_unwind_table(Elf *elf, UnwindTableBuilder::Reader which)
{
	auto b = UnwindTableBuilder::start(elf, which);
	if (!b)
		return std::unexpected(b.error());
	(*b)->step(SIZE_MAX);
	return (*b)->finish();
}

UnwindRule libdw_rule_at(Elf *elf, uint64_t pc)
{
	std::unique_ptr<Dwarf_CFI, CfiDeleter> cfi(dwarf_getcfi_elf(elf));
	Dwarf_Frame *frame = nullptr;
	if (!cfi || dwarf_cfi_addrframe(cfi.get(), pc, &frame) != 0)
		return UnwindRule{.cfa_kind = XPU_CFA_NONE};
	Dwarf_Addr lo = 0, hi = 0;
	bool signal = false;
	dwarf_frame_info(frame, &lo, &hi, &signal);
	UnwindRule r = signal ? UnwindRule{} : classify(frame);
	std::free(frame);
	return r;
}

UnwindRule rule_at(const UnwindTable &t, uint64_t pc)
{
	auto it = std::upper_bound(t.rows.begin(), t.rows.end(), pc,
				   [](uint64_t v, const UnwindRow &r) { return v < r.pc; });
	if (it == t.rows.begin())
		return UnwindRule{.cfa_kind = XPU_CFA_NONE};
	return std::prev(it)->rule;
}

}  // namespace xpu
