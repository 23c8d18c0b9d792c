#include "output/writer_folded.hpp"

#include <cerrno>

#include <fmt/format.h>

namespace xpu {

std::string to_folded(const Profile &p)
{
	std::string out;
	p.for_each([&](std::string_view stack, uint64_t weight) {
		fmt::format_to(std::back_inserter(out), "{} {}\n", stack, weight);
	});
	return out;
}

Result<void> write_folded(const Profile &p, std::FILE *out)
{
	// Line by line: the whole text of a large profile is never held at once.
	bool ok = true;
	fmt::memory_buffer line;
	p.for_each([&](std::string_view stack, uint64_t weight) {
		if (!ok)
			return;
		line.clear();
		fmt::format_to(std::back_inserter(line), "{} {}\n", stack, weight);
		ok = std::fwrite(line.data(), 1, line.size(), out) == line.size();
	});
	if (!ok || std::fflush(out) != 0)
		return sys_fail(ExitCode::output, errno, "write folded stacks");
	return {};
}

}  // namespace xpu
