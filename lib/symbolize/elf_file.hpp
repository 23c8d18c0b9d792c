// One ELF file opened for symbolization: build-id, load segments, a sorted
// function symbol table and, lazily, its DWARF. Opened from a file
// descriptor that it keeps, so the file stays readable after it is deleted
// or replaced on disk.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <libelf.h>

#include "symbolize/dwarf_info.hpp"
#include "base/error.hpp"
#include "symbolize/symbol_table.hpp"

namespace xpu {

class ElfFile {
public:
	static constexpr const char *default_debug_root = "/usr/lib/debug";

	// Takes ownership of fd (closed on failure too); `name` is for messages.
	// Separate debug info is looked up as DEBUG_ROOT/.build-id/xx/rest.debug.
	static Result<std::unique_ptr<ElfFile>> open(int fd, std::string name,
						     std::string debug_root = default_debug_root);
	static Result<std::unique_ptr<ElfFile>>
	open_path(const std::string &path, std::string debug_root = default_debug_root);
	// An ELF image in memory (the vDSO); the bytes are copied.
	static Result<std::unique_ptr<ElfFile>> open_memory(std::span<const char> image,
							    std::string name);
	~ElfFile();
	ElfFile(const ElfFile &) = delete;
	ElfFile &operator=(const ElfFile &) = delete;

	const std::string &name() const { return name_; }
	// Lowercase hex of the NT_GNU_BUILD_ID note; "" when there is none.
	const std::string &build_id() const { return build_id_; }

	// A file offset (what /proc/PID/maps gives) to the ELF virtual address
	// that symbols use: off - p_offset + p_vaddr of the PT_LOAD holding it.
	std::optional<uint64_t> offset_to_vaddr(uint64_t off) const;

	// The function symbol covering vaddr, from .symtab, else the separate
	// debug file's .symtab, else .dynsym. The table is built on first use.
	std::optional<ElfSymbol> symbol_at(uint64_t vaddr);

	// The names at vaddr: the function (from the symbol table, else from
	// DWARF) and, with `inlines`, the inlined calls from DWARF. False when
	// nothing names the address.
	bool frames_at(uint64_t vaddr, bool inlines, RawFrames &out);

	// The function symbol called `name` (linear scan; for tests and tools).
	std::optional<ElfSymbol> find_symbol(std::string_view name);

	size_t symbol_count();
	// Which table symbols come from: ".symtab", "debug .symtab", ".dynsym" or "".
	const char *symbol_source();
	// Whether DWARF (own or separate) could be opened; opens it.
	bool has_dwarf() { return dwarf() != nullptr; }

	// The libelf handle, for readers of other sections (unwind tables).
	Elf *elf() const { return elf_; }

private:
	struct Segment {
		uint64_t offset, filesz, vaddr, align;
	};

	ElfFile(int fd, Elf *elf, std::string name, std::string debug_root);
	Result<void> read_headers();
	void scan_sections();
	void load_symbols();
	Elf *debug_elf();
	DwarfInfo *dwarf();

	int fd_;
	Elf *elf_;
	std::string name_;
	std::string debug_root_;
	std::vector<char> image_;  // open_memory's copy; elf_ points into it
	std::string build_id_;
	std::vector<Segment> segments_;
	bool has_symtab_ = false;
	bool has_debug_info_ = false;

	bool symbols_loaded_ = false;
	const char *symbol_source_ = "";
	SymbolTable symbols_;

	bool debug_tried_ = false;
	int debug_fd_ = -1;
	Elf *debug_elf_ = nullptr;

	bool dwarf_tried_ = false;
	std::unique_ptr<DwarfInfo> dwarf_;
};

}  // namespace xpu
