#include "base/xml_escape.hpp"

namespace xpu {

namespace {

// Length of the valid UTF-8 sequence at s[i] allowed in XML 1.0, or 0.
size_t utf8_char(std::string_view s, size_t i)
{
	auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
	auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
	unsigned char c = b(0);
	if (c < 0x80)
		return c >= 0x20 || c == '\t' || c == '\n' || c == '\r' ? 1 : 0;
	if (c >= 0xC2 && c <= 0xDF)
		return cont(1) ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (!cont(1) || !cont(2))
			return 0;
		if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0))
			return 0;  // overlong, or a UTF-16 surrogate
		if (c == 0xEF && b(1) == 0xBF && b(2) >= 0xBE)
			return 0;  // U+FFFE and U+FFFF are not XML characters
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (!cont(1) || !cont(2) || !cont(3))
			return 0;
		if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90))
			return 0;  // overlong, or beyond U+10FFFF
		return 4;
	}
	return 0;
}

}  // namespace

std::string xml_escape(std::string_view s)
{
	std::string out;
	out.reserve(s.size());
	for (size_t i = 0; i < s.size();) {
		size_t n = utf8_char(s, i);
		if (n == 0) {
			out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
			++i;
			continue;
		}
		switch (s[i]) {
		case '&':
			out += "&amp;";
			break;
		case '<':
			out += "&lt;";
			break;
		case '>':
			out += "&gt;";
			break;
		case '"':
			out += "&quot;";
			break;
		case '\'':
			out += "&apos;";
			break;
		default:
			out.append(s.substr(i, n));
		}
		i += n;
	}
	return out;
}

}  // namespace xpu
