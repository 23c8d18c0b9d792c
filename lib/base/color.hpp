// When output gets ANSI colours: --color=always|never decides; with auto
// (the default) only a terminal gets them, and not when NO_COLOR is set
// (https://no-color.org) or TERM is "dumb". Data written to a pipe or a
// file never carries escape codes unless asked for.
#pragma once

#include <string_view>

#include "base/error.hpp"

namespace xpu::color {

enum class Mode { automatic, always, never };

Result<Mode> parse_mode(std::string_view s);  // "auto", "always", "never"
void set_mode(Mode m);
Mode mode();

// The rule, on explicit inputs: no_color and term as getenv() returns them.
bool wanted(Mode m, bool is_tty, const char *no_color, const char *term);
// The rule for this process's file descriptor `fd` (STDOUT_FILENO, ...).
bool enabled(int fd);

// `text` wrapped in an SGR colour ("31" red, "33" yellow...) when `on`.
std::string paint(bool on, const char *sgr, std::string_view text);

}  // namespace xpu::color
