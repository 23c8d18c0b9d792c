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
	if (auto table = xpu::build_unwind_table(f.elf()); table && !table->rows.empty()) {
		(void)xpu::rule_at(*table, table->rows.front().pc);
		(void)xpu::rule_at(*table, table->rows.back().pc + 1);
	}
	return 0;
}
