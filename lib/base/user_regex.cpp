#include "base/user_regex.hpp"

#include <fmt/format.h>

namespace xpu {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Decimal digits worth more than kMaxRegexRepeat, whatever their length.
bool over_bound(std::string_view digits)
{
	size_t first = digits.find_first_not_of('0');
	if (first == std::string_view::npos)
		return false;
	std::string_view v = digits.substr(first);
	return v.size() > 4 || (v.size() == 4 && v > "1000");
}

// A digit run after a backslash (a backreference) that libstdc++ would read
// into a long unchecked; its length past the backslash, 0 when none.
size_t backref_digits(std::string_view p, size_t backslash)
{
	size_t j = backslash + 1;
	while (j < p.size() && is_digit(p[j]))
		j++;
	return j - backslash - 1;
}

// What libstdc++ would read as a number it cannot hold or should not expand:
// a repetition count over the bound, or a backreference over the bound
// (outside or inside a bracket expression), as written; empty when none.
std::string_view number_over_bound(std::string_view p)
{
	for (size_t i = 0; i < p.size(); i++) {
		if (p[i] == '\\') {
			size_t n = backref_digits(p, i);
			if (over_bound(p.substr(i + 1, n)))
				return p.substr(i, n + 1);
			i += n ? n : 1;
		} else if (p[i] == '[') {
			size_t j = i + 1;
			if (j < p.size() && p[j] == '^')
				j++;
			// (ECMAScript: a ']' right after '[' or "[^" ends it too)
			for (; j < p.size() && p[j] != ']'; j++) {
				if (p[j] != '\\')
					continue;
				size_t n = backref_digits(p, j);
				if (over_bound(p.substr(j + 1, n)))
					return p.substr(j, n + 1);
				j += n ? n : 1;
			}
			i = j;
		} else if (p[i] == '{') {
			// {m}, {m,} or {m,n}: each number checked
			size_t j = i + 1;
			for (int part = 0; part < 2; part++) {
				size_t start = j;
				while (j < p.size() && is_digit(p[j]))
					j++;
				if (over_bound(p.substr(start, j - start)))
					return p.substr(start, j - start);
				if (part == 0 && (j >= p.size() || p[j] != ','))
					break;
				j++;  // past the ','
			}
			i = j - 1;
		}
	}
	return {};
}

}  // namespace

std::expected<std::regex, std::string> compile_user_regex(std::string_view pattern,
							   std::regex::flag_type extra)
{
	if (auto n = number_over_bound(pattern); !n.empty())
		return std::unexpected(fmt::format("{} {} is over {}",
						   n[0] == '\\' ? "backreference" : "repetition count", n,
						   kMaxRegexRepeat));
	try {
		return std::regex(pattern.begin(), pattern.end(), std::regex::ECMAScript | extra);
	} catch (const std::regex_error &e) {
		return std::unexpected(std::string(e.what()));
	}
}

}  // namespace xpu
