#include "symbolize/proc_maps.hpp"
#include "base/lines.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>

#include <fmt/format.h>

namespace xpu {

namespace {

// Consumes a run of hex digits from the front of s.
bool take_hex(std::string_view &s, uint64_t &out)
{
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
	if (ec != std::errc() || p == s.data())
		return false;
	s.remove_prefix(p - s.data());
	return true;
}

bool take_char(std::string_view &s, char c)
{
	if (s.empty() || s.front() != c)
		return false;
	s.remove_prefix(1);
	return true;
}

void skip_spaces(std::string_view &s)
{
	while (!s.empty() && s.front() == ' ')
		s.remove_prefix(1);
}

// Consumes a space-delimited word.
std::string_view take_word(std::string_view &s)
{
	skip_spaces(s);
	size_t n = s.find(' ');
	std::string_view w = s.substr(0, n);
	s.remove_prefix(w.size());
	return w;
}

bool parse_line(std::string_view s, Mapping &m)
{
	uint64_t major = 0, minor = 0;
	if (!take_hex(s, m.start) || !take_char(s, '-') || !take_hex(s, m.end) ||
	    m.end < m.start || !take_char(s, ' '))
		return false;
	m.perms = take_word(s);
	if (m.perms.size() != 4)
		return false;
	skip_spaces(s);
	if (!take_hex(s, m.offset) || !take_char(s, ' ') || !take_hex(s, major) ||
	    !take_char(s, ':') || !take_hex(s, minor) || !take_char(s, ' '))
		return false;
	m.dev_major = static_cast<uint32_t>(major);
	m.dev_minor = static_cast<uint32_t>(minor);
	std::string_view inode = take_word(s);
	auto [p, ec] = std::from_chars(inode.data(), inode.data() + inode.size(), m.inode, 10);
	if (ec != std::errc() || p != inode.data() + inode.size())
		return false;
	skip_spaces(s);  // the kernel pads before the path to align the column
	m.path = s;
	return true;
}

}  // namespace

std::string_view Mapping::file_path() const
{
	std::string_view p = path;
	if (deleted())
		p.remove_suffix(sizeof(" (deleted)") - 1);
	return p;
}

std::string_view Mapping::basename() const
{
	std::string_view p = file_path();
	if (p.starts_with('['))
		return p;  // [vdso], [heap], [anon:name]: not a path
	size_t slash = p.rfind('/');
	return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

Result<std::vector<Mapping>> parse_proc_maps(std::string_view text)
{
	std::vector<Mapping> out;
	size_t lineno = 0;
	while (!text.empty()) {
		std::string_view line = next_line(text);
		lineno++;
		if (line.empty())
			continue;
		Mapping m;
		if (!parse_line(line, m))
			return fail(ExitCode::internal, "maps line {}: cannot parse '{}'", lineno,
				    line);
		out.push_back(std::move(m));
	}
	return out;
}

Result<std::string> read_text_file(const std::string &path, ExitCode missing)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sys_fail(errno == ENOENT || errno == ESRCH ? missing : ExitCode::environment,
				errno, "open {}", path);
	std::string out;
	char buf[16384];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			::close(fd);
			// ESRCH: a /proc file whose process exited while we read it.
			return sys_fail(err == ESRCH ? missing : ExitCode::environment, err,
					"read {}", path);
		}
		if (n == 0)
			break;
		out.append(buf, static_cast<size_t>(n));
	}
	::close(fd);
	return out;
}

Result<std::vector<Mapping>> read_proc_maps(pid_t pid)
{
	auto text = read_text_file(fmt::format("/proc/{}/maps", pid), ExitCode::no_such_process);
	if (!text)
		return std::unexpected(text.error());
	return parse_proc_maps(*text);
}

}  // namespace xpu
