// libFuzzer harness: an ELF file as the symbolizer and the unwind table
// builder read it (any binary a profiled process maps: the bytes come from
// the disk, not from us). Opens the image, asks for symbols, inline frames
// and the build-id, and builds the .eh_frame unwind table.
#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/unwind_table.hpp"
#include "symbolize/elf_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::span<const char> image(reinterpret_cast<const char *>(data), size);
	auto elf = xpu::ElfFile::open_memory(image, "fuzz");
	if (!elf)
		return 0;
	auto &f = **elf;
	(void)f.build_id();
	(void)f.symbol_count();
	// A few addresses around the image's own load addresses.
	for (uint64_t off : {uint64_t{0}, uint64_t{0x40}, uint64_t{0x1000}, uint64_t{size / 2}}) {
		auto vaddr = f.offset_to_vaddr(off);
		if (!vaddr)
			continue;
		(void)f.symbol_at(*vaddr);
		xpu::RawFrames frames;
		(void)f.frames_at(*vaddr, true, frames);
	}
	using Reader = xpu::UnwindTableBuilder::Reader;
	auto table = xpu::build_unwind_table(f.elf(), Reader::own);
	if (table && !table->rows.empty()) {
		(void)xpu::rule_at(*table, table->rows.front().pc);
		(void)xpu::rule_at(*table, table->rows.back().pc + 1);
	}
	// Our reader against libdw's, where ours read every FDE itself and no
	// FDE claims addresses beyond its table slot (libdw's answer there
	// depends on which FDEs it has cached): the same rows, every one.
	auto ref = xpu::build_unwind_table(f.elf(), Reader::libdw);
	if (table && ref && !table->by_libdw && !table->refused_fdes && !table->unread_fdes &&
	    !table->overlapping_fdes) {
		if (table->rows.size() != ref->rows.size())
			__builtin_trap();
		for (size_t i = 0; i < ref->rows.size(); i++)
			if (table->rows[i].pc != ref->rows[i].pc || !(table->rows[i].rule == ref->rows[i].rule))
				__builtin_trap();
	}
	return 0;
}
