#include "system/man_page.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace xpu {

std::optional<std::string> find_man_page(const std::string &page)
{
	std::error_code ec;
	auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
	if (ec)
		return std::nullopt;
	auto dir = exe.parent_path();
	for (const auto &base : {dir / ".." / "man", dir / ".." / "share" / "man" / "man1"}) {
		for (const char *ext : {".1", ".1.gz"}) {
			auto path = base / (page + ext);
			if (access(path.c_str(), R_OK) == 0)
				return std::filesystem::weakly_canonical(path, ec).string();
		}
	}
	return std::nullopt;
}

std::optional<std::string> find_program(const std::string &name)
{
	const char *env = std::getenv("PATH");
	std::string path = env ? env : "/usr/bin:/bin";
	for (size_t at = 0; at <= path.size();) {
		size_t end = path.find(':', at);
		if (end == path.npos)
			end = path.size();
		std::string dir = end > at ? path.substr(at, end - at) : ".";
		std::string file = dir + "/" + name;
		if (access(file.c_str(), X_OK) == 0)
			return file;
		at = end + 1;
	}
	return std::nullopt;
}

}  // namespace xpu
