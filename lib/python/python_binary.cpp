#include "python/python_binary.hpp"

#include <gelf.h>

#include <cstring>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "symbolize/elf_file.hpp"

namespace xpu {

namespace {

// Measured with gdb on the pyenv builds' DWARF (3.10.13, 3.11.7, 3.12.1,
// 3.13.0); the 3.11 ones also hold for Debian's 3.11.2 (a ctypes
// self-check), the 3.10 ones are checked against a live 3.10 by
// tests/test_python_live.cpp. 3.13's own _Py_DebugOffsets is checked against
// its row at detection. 3.10 has no co_qualname: its co_name stands in.
constexpr PyOffsets kOffsets[] = {
	{10, 0x248, XPU_PY_NO_OFFSET, 24, 32, 24, 96, XPU_PY_NO_OFFSET, XPU_PY_ENTRY_PER_CALL, 0, 104,
	 112, 112, 120, 40, 48, 72},
	{11, 0x250, 56, 8, 32, 48, 56, 68, XPU_PY_ENTRY_FLAG, 184, 112, 120, 128, 136, 72, 48, 72},
	{12, 1544, 56, 0, 0, 8, 56, 70, XPU_PY_ENTRY_CSTACK, 192, 112, 120, 128, 136, 68, 40, 56},
	{13, 2160, XPU_PY_NO_OFFSET, 72, 0, 8, 56, 70, XPU_PY_ENTRY_CSTACK, 200, 112, 120, 128, 136,
	 68, 40, 56},
};

struct Sym {
	uint64_t value = 0, size = 0;
};

// The symbols an interpreter is recognised by, from .symtab and .dynsym.
std::map<std::string, Sym, std::less<>> wanted_symbols(Elf *elf)
{
	static constexpr std::string_view kNames[] = {
		"_PyEval_EvalFrameDefault", "_PyEval_EvalFrameDefault.cold", "_PyRuntime",
		"PyCode_Type", "Py_Version"};
	std::map<std::string, Sym, std::less<>> out;
	Elf_Scn *scn = nullptr;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		Elf_Data *data = elf_getdata(scn, nullptr);
		if (!data || !sh.sh_entsize)
			continue;
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym s;
			if (!gelf_getsym(data, static_cast<int>(i), &s) || !s.st_value)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, s.st_name);
			if (!name)
				continue;
			for (auto w : kNames)
				if (w == name)
					out[std::string(w)] = {s.st_value, s.st_size};
		}
	}
	return out;
}

// `len` bytes of the file's image at ELF address `vaddr`, when a section
// with contents holds them.
bool read_vaddr(Elf *elf, uint64_t vaddr, void *out, size_t len)
{
	Elf_Scn *scn = nullptr;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || !(sh.sh_flags & SHF_ALLOC))
			continue;
		if (vaddr < sh.sh_addr || vaddr + len > sh.sh_addr + sh.sh_size)
			continue;
		Elf_Data *data = elf_getdata(scn, nullptr);
		if (!data || !data->d_buf || vaddr - sh.sh_addr + len > data->d_size)
			return false;
		std::memcpy(out, static_cast<const char *>(data->d_buf) + (vaddr - sh.sh_addr), len);
		return true;
	}
	return false;
}

// "python3.11", "libpython3.13t.so.1.0": the minor version in a file name
// (-1 when none), and whether it names a free-threaded build.
int minor_from_name(std::string_view name, bool *free_threaded)
{
	auto slash = name.rfind('/');
	if (slash != std::string_view::npos)
		name = name.substr(slash + 1);
	auto at = name.find("python3.");
	if (at == std::string_view::npos)
		return -1;
	name = name.substr(at + 8);
	int minor = 0;
	size_t i = 0;
	for (; i < name.size() && name[i] >= '0' && name[i] <= '9'; i++)
		minor = minor * 10 + (name[i] - '0');
	*free_threaded = i < name.size() && name[i] == 't';
	return i ? minor : -1;
}

// PY_VERSION ("3.10.13") in .rodata: a NUL-ended "3.X.Y" not preceded by a
// digit or dot (the linker may merge it into the tail of a longer string,
// pyenv's prefix "/root/.pyenv/versions/3.10.13"). Only 3.10 and newer
// count (Debian's python3.11 also holds an unrelated "3.2.0"). `minor` -1
// takes the version when every candidate agrees; otherwise the first with
// that minor. False when none fits.
bool version_from_rodata(Elf *elf, int minor, int *found_minor, int *micro)
{
	size_t shstrndx = 0;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	Elf_Scn *scn = nullptr;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(name = elf_strptr(elf, shstrndx, sh.sh_name)) || std::strcmp(name, ".rodata") != 0)
			continue;
		Elf_Data *data = elf_getdata(scn, nullptr);
		if (!data || !data->d_buf)
			return false;
		std::string_view text(static_cast<const char *>(data->d_buf), data->d_size);
		int got_minor = -1, got_micro = -1;
		for (size_t at = text.find("3."); at != std::string_view::npos; at = text.find("3.", at + 1)) {
			if (at > 0 && ((text[at - 1] >= '0' && text[at - 1] <= '9') || text[at - 1] == '.'))
				continue;
			size_t i = at + 2;
			auto number = [&](int *out) {
				size_t start = i;
				*out = 0;
				for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3; i++)
					*out = *out * 10 + (text[i] - '0');
				return i > start;
			};
			int mi = 0, mc = 0;
			if (!number(&mi) || i >= text.size() || text[i++] != '.' || !number(&mc) ||
			    i >= text.size() || text[i] != '\0' || mi < 10)
				continue;
			if (minor >= 0 && mi != minor)
				continue;
			if (got_minor >= 0 && got_minor != mi)
				return false;  // two versions named: neither is trusted
			if (got_minor < 0) {
				got_minor = mi;
				got_micro = mc;
			}
			if (minor >= 0)
				break;
		}
		if (got_minor < 0)
			return false;
		*found_minor = got_minor;
		*micro = got_micro;
		return true;
	}
	return false;
}

// 3.13+: the runtime's own offsets table (_Py_DebugOffsets, the first bytes
// of _PyRuntime's initializer). "" when it agrees with `o`.
std::string check_debug_offsets(Elf *elf, uint64_t runtime, const PyOffsets &o, bool *free_threaded)
{
	uint64_t d[46];
	if (!read_vaddr(elf, runtime, d, sizeof(d)))
		return "cannot read _Py_DebugOffsets";
	if (std::memcmp(d, "xdebugpy", 8) != 0)
		return "no _Py_DebugOffsets cookie";
	*free_threaded = d[2] != 0;
	// Byte offsets in the 3.13 layout / 8: thread_state.current_frame 184,
	// interpreter_frame previous 232, executable 240, instr_ptr 248,
	// owner 264, code_object filename 280, qualname 296, linetable 304,
	// firstlineno 312, co_code_adaptive 344.
	struct { int at; uint64_t want; const char *what; } checks[] = {
		{184, o.ts_frame, "thread_state.current_frame"},
		{232, o.f_prev, "frame.previous"},
		{240, o.f_code, "frame.executable"},
		{248, o.f_instr, "frame.instr_ptr"},
		{264, o.f_entry, "frame.owner"},
		{280, o.code_filename, "code.filename"},
		{296, o.code_qualname, "code.qualname"},
		{304, o.code_linetable, "code.linetable"},
		{312, o.code_firstlineno, "code.firstlineno"},
		{344, o.code_first, "code.co_code_adaptive"},
	};
	for (const auto &c : checks)
		if (d[c.at / 8] != c.want)
			return fmt::format("_Py_DebugOffsets {} is {}, the table says {}", c.what,
					   d[c.at / 8], c.want);
	return "";
}

}  // namespace

const PyOffsets *py_offsets(int minor)
{
	for (const auto &o : kOffsets)
		if (o.minor == minor)
			return &o;
	return nullptr;
}

std::string PythonBinary::version() const
{
	return micro >= 0 ? fmt::format("{}.{}.{}", major, minor, micro) : fmt::format("{}.{}", major, minor);
}

xpu_py_proc PythonBinary::describe(uint64_t bias) const
{
	xpu_py_proc p{};
	p.eval_start[0] = eval_start + bias;
	p.eval_end[0] = eval_end + bias;
	if (cold_start) {
		p.eval_start[1] = cold_start + bias;
		p.eval_end[1] = cold_end + bias;
	}
	p.tss = runtime + offsets->runtime_tss + bias;
	p.code_type = code_type + bias;
	p.ts_cframe = offsets->ts_cframe;
	p.ts_frame = offsets->ts_frame;
	p.f_code = offsets->f_code;
	p.f_prev = offsets->f_prev;
	p.f_instr = offsets->f_instr;
	p.f_entry = offsets->f_entry;
	p.code_first = offsets->code_first;
	p.code_qualname = offsets->code_qualname;
	p.entry_kind = offsets->entry_kind;
	p.minor = static_cast<__u8>(minor);
	return p;
}

std::optional<PythonBinary> detect_python(ElfFile &file)
{
	auto syms = wanted_symbols(file.elf());
	auto eval = syms.find("_PyEval_EvalFrameDefault");
	auto runtime = syms.find("_PyRuntime");
	if (eval == syms.end() || runtime == syms.end())
		return std::nullopt;
	PythonBinary b;
	b.eval_start = eval->second.value;
	b.eval_end = eval->second.value + eval->second.size;
	if (auto cold = syms.find("_PyEval_EvalFrameDefault.cold"); cold != syms.end()) {
		b.cold_start = cold->second.value;
		b.cold_end = cold->second.value + cold->second.size;
	}
	b.runtime = runtime->second.value;
	if (auto t = syms.find("PyCode_Type"); t != syms.end())
		b.code_type = t->second.value;
	bool free_threaded = false;
	int name_minor = minor_from_name(file.name(), &free_threaded);
	uint32_t hex = 0;
	if (auto v = syms.find("Py_Version");
	    v != syms.end() && read_vaddr(file.elf(), v->second.value, &hex, sizeof(hex))) {
		b.major = static_cast<int>(hex >> 24);
		b.minor = static_cast<int>((hex >> 16) & 0xff);
		b.micro = static_cast<int>((hex >> 8) & 0xff);
	} else {
		// Py_Version is 3.11+: before, the file name's minor, with the
		// micro from PY_VERSION; the string alone when the name has none.
		int minor = -1, micro = -1;
		if (version_from_rodata(file.elf(), name_minor, &minor, &micro)) {
			b.minor = minor;
			b.micro = micro;
		} else {
			b.minor = name_minor;
			b.micro = -1;
		}
	}
	if (b.minor < 0) {
		b.refused = "CPython of unknown version: native frames only";
		return b;
	}
	if (b.major != 3 || b.minor < 10) {
		b.refused = fmt::format("CPython {} is not supported (3.10 to 3.13 are): native frames only",
					b.version());
		return b;
	}
	if (b.minor > 13) {
		b.refused = fmt::format("CPython {} is newer than supported (3.10 to 3.13): native frames only",
					b.version());
		return b;
	}
	b.offsets = py_offsets(b.minor);
	b.offsets_source = "built-in table";
	if (b.minor >= 13) {
		std::string bad = check_debug_offsets(file.elf(), b.runtime, *b.offsets, &free_threaded);
		if (!bad.empty() && !free_threaded) {
			b.refused = fmt::format("CPython {}: {}: native frames only", b.version(), bad);
			return b;
		}
		b.offsets_source = "built-in table, checked against _Py_DebugOffsets";
	}
	if (free_threaded) {
		b.refused = fmt::format("CPython {} free-threaded build is not supported: native frames only",
					b.version());
		return b;
	}
	if (!b.code_type) {
		b.refused = fmt::format("CPython {}: no PyCode_Type symbol: native frames only", b.version());
		return b;
	}
	return b;
}

}  // namespace xpu
