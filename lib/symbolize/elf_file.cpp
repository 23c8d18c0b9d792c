#include "symbolize/elf_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

#include <elfutils/libdwelf.h>
#include <fmt/format.h>
#include <gelf.h>

#include "base/log.hpp"
#include "symbolize/build_id.hpp"

namespace xpu {

namespace {

void init_libelf()
{
	static std::once_flag once;
	std::call_once(once, [] { elf_version(EV_CURRENT); });
}

std::string build_id_of(Elf *elf)
{
	const void *id = nullptr;
	ssize_t n = dwelf_elf_gnu_build_id(elf, &id);
	return n > 0 ? build_id_hex(id, static_cast<size_t>(n)) : std::string();
}

Elf_Scn *find_section(Elf *elf, Elf64_Word type)
{
	for (Elf_Scn *scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr shdr;
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == type)
			return scn;
	}
	return nullptr;
}

SymbolTable::Bind bind_of(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL:
		return SymbolTable::Bind::global;
	case STB_WEAK:
	case STB_GNU_UNIQUE:
		return SymbolTable::Bind::weak;
	default:
		return SymbolTable::Bind::local;
	}
}

// The end address of each section, so that a zero-size symbol does not
// run past the code it labels.
std::vector<uint64_t> section_ends(Elf *elf)
{
	size_t n = 0;
	if (elf_getshdrnum(elf, &n) != 0)
		return {};
	std::vector<uint64_t> ends(n, 0);
	for (size_t i = 0; i < n; i++) {
		GElf_Shdr shdr;
		Elf_Scn *scn = elf_getscn(elf, i);
		if (scn && gelf_getshdr(scn, &shdr) && (shdr.sh_flags & SHF_ALLOC))
			ends[i] = shdr.sh_addr + shdr.sh_size;
	}
	return ends;
}

// Adds the defined functions of the first section of `type` (SHT_SYMTAB or
// SHT_DYNSYM); false when the file has no such section.
bool read_symbols(Elf *elf, Elf64_Word type, SymbolTable &out)
{
	Elf_Scn *scn = find_section(elf, type);
	GElf_Shdr shdr;
	if (!scn || !gelf_getshdr(scn, &shdr) || shdr.sh_entsize == 0)
		return false;
	Elf_Data *data = elf_getdata(scn, nullptr);
	if (!data)
		return false;
	std::vector<uint64_t> ends = section_ends(elf);
	size_t count = shdr.sh_size / shdr.sh_entsize;
	for (size_t i = 0; i < count; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, static_cast<int>(i), &sym))
			break;
		int t = GELF_ST_TYPE(sym.st_info);
		if ((t != STT_FUNC && t != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    sym.st_shndx >= SHN_LORESERVE || sym.st_value == 0)
			continue;
		const char *name = elf_strptr(elf, shdr.sh_link, sym.st_name);
		if (!name)
			continue;
		uint64_t limit = sym.st_shndx < ends.size() ? ends[sym.st_shndx] : 0;
		out.add(sym.st_value, sym.st_size, limit, name, bind_of(sym.st_info));
	}
	return true;
}

}  // namespace


ElfFile::ElfFile(int fd, Elf *elf, std::string name, std::string debug_root)
	: fd_(fd), elf_(elf), name_(std::move(name)), debug_root_(std::move(debug_root))
{
}

ElfFile::~ElfFile()
{
	dwarf_.reset();  // before the Elf it reads from
	if (debug_elf_)
		elf_end(debug_elf_);
	if (debug_fd_ >= 0)
		::close(debug_fd_);
	elf_end(elf_);
	if (fd_ >= 0)
		::close(fd_);
}

Result<std::unique_ptr<ElfFile>> ElfFile::open(int fd, std::string name, std::string debug_root)
{
	init_libelf();
	// ELF_C_READ, not _MMAP: section data is read with pread when needed,
	// so a file truncated or rewritten in place cannot SIGBUS us.
	Elf *elf = elf_begin(fd, ELF_C_READ, nullptr);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		::close(fd);
		return fail(ExitCode::internal, "{}: not an ELF file", name);
	}
	std::unique_ptr<ElfFile> f(new ElfFile(fd, elf, std::move(name), std::move(debug_root)));
	if (auto r = f->read_headers(); !r)
		return std::unexpected(r.error());
	return f;
}

Result<std::unique_ptr<ElfFile>> ElfFile::open_path(const std::string &path,
						    std::string debug_root)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sys_fail(ExitCode::environment, errno, "open {}", path);
	return open(fd, path, std::move(debug_root));
}

Result<std::unique_ptr<ElfFile>> ElfFile::open_memory(std::span<const char> image,
						      std::string name)
{
	init_libelf();
	std::vector<char> copy(image.begin(), image.end());
	Elf *elf = elf_memory(copy.data(), copy.size());
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		return fail(ExitCode::internal, "{}: not an ELF image", name);
	}
	std::unique_ptr<ElfFile> f(new ElfFile(-1, elf, std::move(name), ""));
	f->image_ = std::move(copy);  // moving a vector keeps its buffer
	if (auto r = f->read_headers(); !r)
		return std::unexpected(r.error());
	return f;
}

Result<void> ElfFile::read_headers()
{
	size_t n = 0;
	if (elf_getphdrnum(elf_, &n) != 0)
		return fail(ExitCode::internal, "{}: no program headers: {}", name_,
			    elf_errmsg(-1));
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf_, static_cast<int>(i), &ph) && ph.p_type == PT_LOAD)
			segments_.push_back({ph.p_offset, ph.p_filesz, ph.p_vaddr,
					     ph.p_align ? ph.p_align : 1});
	}
	build_id_ = build_id_of(elf_);
	scan_sections();
	return {};
}

void ElfFile::scan_sections()
{
	size_t shstrndx = 0;
	if (elf_getshdrstrndx(elf_, &shstrndx) != 0)
		return;
	for (Elf_Scn *scn = elf_nextscn(elf_, nullptr); scn; scn = elf_nextscn(elf_, scn)) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr))
			continue;
		if (shdr.sh_type == SHT_SYMTAB)
			has_symtab_ = true;
		const char *name = elf_strptr(elf_, shstrndx, shdr.sh_name);
		if (name && shdr.sh_type != SHT_NOBITS &&
		    (!std::strcmp(name, ".debug_info") || !std::strcmp(name, ".zdebug_info")))
			has_debug_info_ = true;
	}
}

std::optional<uint64_t> ElfFile::offset_to_vaddr(uint64_t off) const
{
	for (const Segment &s : segments_)
		if (off >= s.offset && off - s.offset < s.filesz)
			return off - s.offset + s.vaddr;
	// A segment's mapping starts at its offset rounded down to p_align, so
	// the bytes before its first one are mapped at the addresses below it.
	for (const Segment &s : segments_)
		if (off < s.offset && off >= s.offset / s.align * s.align)
			return s.vaddr - (s.offset - off);
	return std::nullopt;
}

// /usr/lib/debug/.build-id/xx/rest.debug, as Debian's -dbgsym packages and
// debuginfod caches lay it out. Absent is normal.
Elf *ElfFile::debug_elf()
{
	if (debug_tried_)
		return debug_elf_;
	debug_tried_ = true;
	if (build_id_.size() < 3 || debug_root_.empty())
		return nullptr;
	std::string path = fmt::format("{}/.build-id/{}/{}.debug", debug_root_,
				       build_id_.substr(0, 2), build_id_.substr(2));
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nullptr;
	Elf *elf = elf_begin(fd, ELF_C_READ, nullptr);
	if (!elf || elf_kind(elf) != ELF_K_ELF || build_id_of(elf) != build_id_) {
		log::debug("{}: ignoring {}: not the matching debug file", name_, path);
		if (elf)
			elf_end(elf);
		::close(fd);
		return nullptr;
	}
	debug_fd_ = fd;
	debug_elf_ = elf;
	return debug_elf_;
}

void ElfFile::load_symbols()
{
	symbols_loaded_ = true;
	Elf *debug = has_symtab_ ? nullptr : debug_elf();
	if (has_symtab_ && read_symbols(elf_, SHT_SYMTAB, symbols_))
		symbol_source_ = ".symtab";
	else if (debug && read_symbols(debug, SHT_SYMTAB, symbols_))
		symbol_source_ = "debug .symtab";
	else if (read_symbols(elf_, SHT_DYNSYM, symbols_))
		symbol_source_ = ".dynsym";
	symbols_.finish();
	log::debug("{}: {} symbols from {}", name_, symbols_.size(),
		   *symbol_source_ ? symbol_source_ : "nowhere");
}

std::optional<ElfSymbol> ElfFile::symbol_at(uint64_t vaddr)
{
	if (!symbols_loaded_)
		load_symbols();
	return symbols_.lookup(vaddr);
}

std::optional<ElfSymbol> ElfFile::find_symbol(std::string_view name)
{
	if (!symbols_loaded_)
		load_symbols();
	return symbols_.find(name);
}

size_t ElfFile::symbol_count()
{
	if (!symbols_loaded_)
		load_symbols();
	return symbols_.size();
}

const char *ElfFile::symbol_source()
{
	if (!symbols_loaded_)
		load_symbols();
	return symbol_source_;
}

DwarfInfo *ElfFile::dwarf()
{
	if (dwarf_tried_)
		return dwarf_.get();
	dwarf_tried_ = true;
	Elf *from = has_debug_info_ ? elf_ : debug_elf();
	if (!from)
		return nullptr;
	auto d = DwarfInfo::open(from);
	if (!d) {
		log::debug("{}: {}", name_, d.error().msg);
		return nullptr;
	}
	dwarf_ = std::move(*d);
	return dwarf_.get();
}

bool ElfFile::frames_at(uint64_t vaddr, bool inlines, RawFrames &out)
{
	out = {};
	std::optional<ElfSymbol> sym = symbol_at(vaddr);
	// DWARF for inline chains, for addresses no symbol covers, and to
	// check a zero-size symbol, whose extent is only a guess.
	if (inlines || !sym || !sym->sized) {
		if (DwarfInfo *dw = dwarf())
			dw->frames_at(vaddr, out);
	}
	// Otherwise the symbol table's name wins for the function itself: it is
	// what perf shows, and it names the frame the same with inlines on or off.
	if (sym && (sym->sized || out.function.empty()))
		out.function = sym->name;
	if (!inlines)
		out.inlined.clear();
	return !out.function.empty();
}

}  // namespace xpu
