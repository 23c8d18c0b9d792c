#include "symbolize/perf_map.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include <fmt/format.h>

#include "base/fd.hpp"
#include "base/range_map.hpp"

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

std::string perf_map_path(pid_t pid) { return fmt::format("/tmp/perf-{}.map", pid); }

}  // namespace

std::string_view PerfMap::add_text(std::string_view text, bool final)
{
	std::vector<Entry> fresh;
	while (!text.empty()) {
		size_t nl = text.find('\n');
		if (nl == std::string_view::npos && !final)
			break;  // the JIT is still writing this line
		std::string_view line = text.substr(0, nl);
		text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
		if (line.empty())
			continue;
		lines_parsed_++;
		uint64_t start = 0, size = 0;
		std::string_view name;
		if (!parse_line(line, start, size, name) || names_.size() + name.size() > UINT32_MAX) {
			skipped_++;
			continue;
		}
		fresh.push_back({start, start + size, static_cast<uint32_t>(names_.size()),
				 static_cast<uint32_t>(name.size())});
		names_.append(name);
	}
	merge(fresh);
	return text;
}

// New entries usually cover fresh memory: then they only need sorting in.
// A JIT that reused memory (or wrote overlapping lines) takes the general
// path, where each line, in file order, replaces what it overlaps.
void PerfMap::merge(std::vector<Entry> &fresh)
{
	if (fresh.empty())
		return;
	std::vector<Entry> sorted = fresh;
	auto by_start = [](const Entry &a, const Entry &b) { return a.start < b.start; };
	std::stable_sort(sorted.begin(), sorted.end(), by_start);
	bool disjoint = true;
	for (size_t i = 1; i < sorted.size() && disjoint; i++)
		disjoint = sorted[i - 1].end <= sorted[i].start;
	for (size_t i = 0; i < sorted.size() && disjoint; i++) {
		auto it = std::upper_bound(table_.begin(), table_.end(), sorted[i], by_start);
		if (it != table_.end() && it->start < sorted[i].end)
			disjoint = false;
		else if (it != table_.begin() && std::prev(it)->end > sorted[i].start)
			disjoint = false;
	}
	if (disjoint) {
		size_t old = table_.size();
		table_.insert(table_.end(), sorted.begin(), sorted.end());
		std::inplace_merge(table_.begin(), table_.begin() + old, table_.end(), by_start);
		return;
	}
	struct Name {
		uint32_t off, len;
	};
	RangeMap<Name> ranges;
	for (const Entry &e : table_)
		ranges.assign(e.start, e.end, {e.name_off, e.name_len});
	for (const Entry &e : fresh)
		ranges.assign(e.start, e.end, {e.name_off, e.name_len});
	table_.clear();
	table_.reserve(ranges.size());
	for (const auto &[start, r] : ranges)
		table_.push_back({start, r.end, r.value.off, r.value.len});
}

std::optional<std::string_view> PerfMap::lookup(uint64_t addr) const
{
	auto it = std::upper_bound(table_.begin(), table_.end(), addr,
				   [](uint64_t a, const Entry &e) { return a < e.start; });
	if (it == table_.begin())
		return std::nullopt;
	--it;
	if (addr >= it->end)
		return std::nullopt;
	return std::string_view(names_).substr(it->name_off, it->name_len);
}

PerfMap PerfMap::parse(std::string_view text)
{
	PerfMap map;
	map.add_text(text, true);
	return map;
}

Result<PerfMap> PerfMap::load(pid_t pid)
{
	PerfMap map;
	if (auto r = map.refresh(pid); !r)
		return std::unexpected(r.error());
	if (!map.partial_.empty())  // nothing more will come for a one-shot read
		map.add_text(std::exchange(map.partial_, {}), true);
	return map;
}

Result<bool> PerfMap::refresh(pid_t pid) { return refresh_path(perf_map_path(pid)); }

Result<bool> PerfMap::refresh_path(const std::string &path)
{
	Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	struct stat st;
	if (!fd || fstat(fd.get(), &st) != 0)
		return sys_fail(ExitCode::environment, errno, "open {}", path);
	bool changed = false;
	if (st.st_ino != inode_ || uint64_t(st.st_size) < offset_) {
		// Another file (a recycled pid's JIT) or rewritten: start over.
		changed = !table_.empty();
		table_.clear();
		names_.clear();
		partial_.clear();
		offset_ = 0;
		inode_ = st.st_ino;
	}
	if (uint64_t(st.st_size) == offset_)
		return changed;
	std::string text = std::move(partial_);
	size_t base = text.size();
	text.resize(base + (uint64_t(st.st_size) - offset_));
	size_t got = 0;
	while (base + got < text.size()) {
		ssize_t n = ::pread(fd.get(), text.data() + base + got, text.size() - base - got,
				    static_cast<off_t>(offset_ + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;  // shorter than fstat said: take what is there
		got += static_cast<size_t>(n);
	}
	text.resize(base + got);
	offset_ += got;
	partial_ = std::string(add_text(text, false));
	return changed || got > 0;
}

}  // namespace xpu
