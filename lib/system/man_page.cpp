#include "system/man_page.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "session/process_launcher.hpp"

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
	auto path = resolve_command(name);  // the one PATH search, execvp's
	return path ? std::optional<std::string>(*path) : std::nullopt;
}

}  // namespace xpu
