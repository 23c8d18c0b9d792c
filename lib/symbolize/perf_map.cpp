#include "symbolize/perf_map.hpp"

#include <charconv>

#include <fmt/format.h>

#include "symbolize/proc_maps.hpp"
#include "base/lines.hpp"

namespace xpu {

namespace {

// Consumes a hex number and requires a blank after it.
bool take_hex_field(std::string_view &s, uint64_t &out)
{
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
		s.remove_prefix(1);
	if (s.starts_with("0x") || s.starts_with("0X"))
		s.remove_prefix(2);
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
	if (ec != std::errc() || p == s.data())
		return false;
	s.remove_prefix(p - s.data());
	return !s.empty() && (s.front() == ' ' || s.front() == '\t');
}

bool parse_line(std::string_view s, uint64_t &start, uint64_t &size, std::string_view &name)
{
	if (s.ends_with('\r'))
		s.remove_suffix(1);
	if (!take_hex_field(s, start) || !take_hex_field(s, size) || size == 0 ||
	    start + size < start)
		return false;
	s.remove_prefix(1);  // one separator; the name keeps any further blanks
	name = s;
	return !name.empty();
}

}  // namespace

PerfMap PerfMap::parse(std::string_view text)
{
	PerfMap map;
	while (!text.empty()) {
		std::string_view line = next_line(text);
		if (line.empty())
			continue;
		uint64_t start = 0, size = 0;
		std::string_view name;
		if (parse_line(line, start, size, name))
			map.entries_.assign(start, start + size, std::string(name));
		else
			map.skipped_++;
	}
	return map;
}

Result<PerfMap> PerfMap::load(pid_t pid)
{
	auto text = read_text_file(fmt::format("/tmp/perf-{}.map", pid));
	if (!text)
		return std::unexpected(text.error());
	return parse(*text);
}

}  // namespace xpu
