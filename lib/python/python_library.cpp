#include "python/python_library.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

namespace xpu {

namespace {

struct DynamicEntries {
	std::vector<std::string> needed;
	std::vector<std::string> search;  // RUNPATH or RPATH, split at ':'
};

void split_into(const std::string &list, std::vector<std::string> &out)
{
	for (size_t at = 0; at <= list.size();) {
		size_t end = std::min(list.find(':', at), list.size());
		if (end > at)
			out.push_back(list.substr(at, end - at));
		at = end + 1;
	}
}

DynamicEntries read_dynamic(Elf *elf)
{
	DynamicEntries d;
	for (Elf_Scn *scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_DYNAMIC || !shdr.sh_entsize)
			continue;
		Elf_Data *data = elf_getdata(scn, nullptr);
		for (size_t i = 0; data && i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Dyn dyn;
			if (!gelf_getdyn(data, static_cast<int>(i), &dyn))
				break;
			const char *s = nullptr;
			if (dyn.d_tag == DT_NEEDED || dyn.d_tag == DT_RUNPATH || dyn.d_tag == DT_RPATH)
				s = elf_strptr(elf, shdr.sh_link, dyn.d_un.d_val);
			if (!s)
				continue;
			if (dyn.d_tag == DT_NEEDED)
				d.needed.emplace_back(s);
			else
				split_into(s, d.search);
		}
	}
	return d;
}

}  // namespace

std::optional<std::string> linked_libpython(const std::string &path)
{
	namespace fs = std::filesystem;
	int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return std::nullopt;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, nullptr);
	DynamicEntries d = elf ? read_dynamic(elf) : DynamicEntries{};
	if (elf)
		elf_end(elf);
	close(fd);
	std::string origin = fs::path(path).parent_path().string();
	for (const auto &lib : d.needed) {
		if (!lib.starts_with("libpython3."))
			continue;
		std::vector<std::string> dirs;
		for (auto dir : d.search) {
			if (dir.starts_with("$ORIGIN"))
				dir = origin + dir.substr(7);
			dirs.push_back(dir);
		}
		for (const char *dir : {"/usr/local/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib",
					"/lib/x86_64-linux-gnu"})
			dirs.emplace_back(dir);
		for (const auto &dir : dirs) {
			std::error_code ec;
			fs::path p = fs::path(dir) / lib;
			if (fs::exists(p, ec))
				return p.string();
		}
	}
	return std::nullopt;
}

}  // namespace xpu
