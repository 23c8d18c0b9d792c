#include "system/fp_census.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "base/fd.hpp"

namespace xpu {

namespace {

struct ExecSection {
	uint64_t addr, size;
	Elf_Data *data;
};

struct ElfCloser {
	void operator()(Elf *e) const { elf_end(e); }
};

// Functions by address (aliases counted once) from one symbol table.
std::map<uint64_t, std::string> functions_in(Elf *elf, Elf64_Word type)
{
	std::map<uint64_t, std::string> out;
	Elf_Scn *scn = nullptr;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type || sh.sh_entsize == 0)
			continue;
		Elf_Data *data = elf_getdata(scn, nullptr);
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; data && i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, static_cast<int>(i), &sym))
				continue;
			if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
			    sym.st_size == 0)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
			out.try_emplace(sym.st_value, name ? name : "");
		}
	}
	return out;
}

}  // namespace

bool keeps_frame_pointer(std::span<const uint8_t> code)
{
	static const uint8_t endbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};
	if (code.size() >= 4 && std::memcmp(code.data(), endbr64, 4) == 0)
		code = code.subspan(4);
	if (code.size() < 4 || code[0] != 0x55)  // push %rbp
		return false;
	// mov %rsp,%rbp in either encoding: 48 89 e5 or 48 8b ec.
	return code[1] == 0x48 && ((code[2] == 0x89 && code[3] == 0xe5) ||
				   (code[2] == 0x8b && code[3] == 0xec));
}

Result<FpCensus> census_frame_pointers(const std::string &path)
{
	static std::once_flag once;
	std::call_once(once, [] { elf_version(EV_CURRENT); });
	Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		return sys_fail(ExitCode::usage, errno, "open {}", path);
	std::unique_ptr<Elf, ElfCloser> elf(elf_begin(fd.get(), ELF_C_READ, nullptr));
	GElf_Ehdr eh;
	if (!elf || elf_kind(elf.get()) != ELF_K_ELF || !gelf_getehdr(elf.get(), &eh))
		return fail(ExitCode::usage, "{}: not an ELF file", path);

	FpCensus c;
	size_t shstrndx = 0;
	elf_getshdrstrndx(elf.get(), &shstrndx);
	std::vector<ExecSection> code;
	Elf_Scn *scn = nullptr;
	while ((scn = elf_nextscn(elf.get(), scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *name = elf_strptr(elf.get(), shstrndx, sh.sh_name);
		if (name && std::strcmp(name, ".eh_frame") == 0)
			c.has_eh_frame = true;
		if (name && std::strcmp(name, ".eh_frame_hdr") == 0)
			c.has_eh_frame_hdr = true;
		if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR))
			code.push_back({sh.sh_addr, sh.sh_size, elf_getdata(scn, nullptr)});
	}
	if (eh.e_machine != EM_X86_64) {
		c.supported_arch = false;
		return c;
	}

	auto funcs = functions_in(elf.get(), SHT_SYMTAB);
	c.symbol_source = ".symtab";
	if (funcs.empty()) {
		funcs = functions_in(elf.get(), SHT_DYNSYM);
		c.symbol_source = ".dynsym";
	}
	for (const auto &[addr, name] : funcs) {
		auto sec = std::find_if(code.begin(), code.end(), [&](const ExecSection &s) {
			return addr >= s.addr && addr < s.addr + s.size;
		});
		if (sec == code.end() || !sec->data || !sec->data->d_buf)
			continue;  // not in this file's code (or NOBITS in a debug file)
		uint64_t at = addr - sec->addr;
		size_t len = static_cast<size_t>(std::min<uint64_t>(8, sec->data->d_size - at));
		std::span<const uint8_t> bytes(static_cast<const uint8_t *>(sec->data->d_buf) + at,
					       len);
		c.functions++;
		if (keeps_frame_pointer(bytes))
			c.with_fp++;
		else
			c.without_fp.push_back(name);
	}
	return c;
}

}  // namespace xpu
