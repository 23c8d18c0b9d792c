#include "base/parse.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace xpu {

std::optional<long long> parse_int(std::string_view s)
{
	long long v = 0;
	auto r = std::from_chars(s.data(), s.data() + s.size(), v);
	if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size())
		return std::nullopt;
	return v;
}

Result<std::chrono::nanoseconds> parse_duration(std::string_view s)
{
	struct Unit {
		std::string_view suffix;
		double ns;
	};
	// Longest suffixes first so "ms" is not read as "m" + garbage.
	static constexpr Unit units[] = {{"ms", 1e6}, {"us", 1e3}, {"ns", 1.0},
					 {"s", 1e9},   {"m", 60e9}, {"h", 3600e9}};
	double scale = 1e9;  // bare number: seconds, as perf's --duration-like flags
	std::string_view num = s;
	for (const auto &u : units) {
		if (num.ends_with(u.suffix)) {
			num.remove_suffix(u.suffix.size());
			scale = u.ns;
			break;
		}
	}
	double v = 0;
	auto r = std::from_chars(num.data(), num.data() + num.size(), v);
	if (num.empty() || r.ec != std::errc() || r.ptr != num.data() + num.size() ||
	    !std::isfinite(v) || v <= 0 || v * scale > 1e18)
		return fail(ExitCode::usage, "bad duration '{}' (examples: 10, 10s, 500ms, 2m)", s);
	return std::chrono::nanoseconds(static_cast<long long>(v * scale));
}

Result<std::vector<pid_t>> parse_pid_list(std::string_view s)
{
	std::vector<pid_t> pids;
	size_t pos = 0;
	while (true) {
		size_t end = s.find(',', pos);
		std::string_view item = s.substr(pos, end == s.npos ? s.npos : end - pos);
		auto v = parse_int(item);
		if (!v || *v <= 0 || *v > 0x7fffffff)
			return fail(ExitCode::usage, "bad pid '{}' in '{}'", item, s);
		pids.push_back(static_cast<pid_t>(*v));
		if (end == s.npos)
			break;
		pos = end + 1;
	}
	std::sort(pids.begin(), pids.end());
	pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
	return pids;
}

}  // namespace xpu
