#include "output/writer_folded.hpp"

#include <fmt/format.h>

namespace xpu {

std::string to_folded(const Profile &p)
{
	std::string out;
	for (const auto &[stack, weight] : p.sorted())
		fmt::format_to(std::back_inserter(out), "{} {}\n", stack, weight);
	return out;
}

Result<void> write_folded(const Profile &p, std::FILE *out)
{
	std::string text = to_folded(p);
	if (std::fwrite(text.data(), 1, text.size(), out) != text.size() || std::fflush(out) != 0)
		return sys_fail(ExitCode::output, errno, "write folded stacks");
	return {};
}

}  // namespace xpu
