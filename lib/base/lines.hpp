// Line by line through text already in memory (a /proc file, a folded
// profile, a rules file): the one splitter the parsers share.
#pragma once

#include <string_view>

namespace xpu {

// Takes the first line off the front of `text` and returns it without its
// '\n'. A last line without '\n' counts; "a\n" is one line, not two.
// Loop with `while (!text.empty())`.
inline std::string_view next_line(std::string_view &text)
{
	size_t nl = text.find('\n');
	std::string_view line = text.substr(0, nl);
	text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
	return line;
}

}  // namespace xpu
