#include "base/color.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

namespace xpu::color {

namespace {
std::atomic<Mode> g_mode{Mode::automatic};
}

Result<Mode> parse_mode(std::string_view s)
{
	if (s == "auto")
		return Mode::automatic;
	if (s == "always")
		return Mode::always;
	if (s == "never")
		return Mode::never;
	return fail(ExitCode::usage, "--color: '{}' is not auto, always or never", s);
}

void set_mode(Mode m) { g_mode.store(m); }
Mode mode() { return g_mode.load(); }

bool wanted(Mode m, bool is_tty, const char *no_color, const char *term)
{
	if (m != Mode::automatic)
		return m == Mode::always;
	if (no_color && *no_color)
		return false;
	if (term && std::strcmp(term, "dumb") == 0)
		return false;
	return is_tty;
}

bool enabled(int fd)
{
	return wanted(mode(), isatty(fd) == 1, std::getenv("NO_COLOR"), std::getenv("TERM"));
}

std::string paint(bool on, const char *sgr, std::string_view text)
{
	if (!on)
		return std::string(text);
	return std::string("\033[") + sgr + "m" + std::string(text) + "\033[0m";
}

}  // namespace xpu::color
