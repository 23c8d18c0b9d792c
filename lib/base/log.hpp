// Diagnostics on stderr, prefixed "xpu-perf: ". stdout belongs to profile data
// (`record -o -`), so nothing here ever writes there.
#pragma once

#include <fmt/format.h>

namespace xpu::log {

enum class Level { quiet = 0, warn = 1, info = 2, debug = 3, libbpf = 4 };

void set_level(Level l);
Level level();

void write(Level l, const std::string &line);

template <class... Args>
void warn(fmt::format_string<Args...> f, Args &&...args)
{
	if (level() >= Level::warn)
		write(Level::warn, fmt::format(f, std::forward<Args>(args)...));
}

template <class... Args>
void info(fmt::format_string<Args...> f, Args &&...args)
{
	if (level() >= Level::info)
		write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}

template <class... Args>
void debug(fmt::format_string<Args...> f, Args &&...args)
{
	if (level() >= Level::debug)
		write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}

// "xpu-perf: error: MSG", always printed; "error:" in red on a colour
// terminal (see color.hpp).
void error(const std::string &msg);

// Routes libbpf's own messages here: warnings at -v, everything at -vvv.
void install_libbpf_printer();

}  // namespace xpu::log
