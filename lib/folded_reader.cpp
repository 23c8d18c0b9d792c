#include "folded_reader.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <memory>

namespace xpu {

namespace {

bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim_right(std::string_view s)
{
	while (!s.empty() && is_space(s.back()))
		s.remove_suffix(1);
	return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// flamegraph.pl's weight: \d+(?:\.\d*)? and nothing else (no sign, no
// exponent, no leading '.').
bool parse_weight(std::string_view tok, double &out)
{
	size_t i = 0;
	while (i < tok.size() && is_digit(tok[i]))
		++i;
	if (i == 0)
		return false;
	size_t int_end = i;
	if (i < tok.size() && tok[i] == '.') {
		++i;
		while (i < tok.size() && is_digit(tok[i]))
			++i;
	}
	if (i != tok.size())
		return false;
	// from_chars wants digits after a '.', so "3." is read as "3".
	std::string_view num = tok.size() == int_end + 1 ? tok.substr(0, int_end) : tok;
	auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), out);
	return ec == std::errc() && end == num.data() + num.size();
}

void count_line(std::string_view line, size_t line_no, FoldedSource &src,
		std::vector<FoldedLine> &lines)
{
	if (trim_right(line).empty())
		return;
	FoldedLine fl;
	if (parse_folded_line(line, fl)) {
		lines.push_back(std::move(fl));
		++src.valid;
		return;
	}
	if (src.invalid++ == 0)
		src.first_invalid = line_no;
}

}  // namespace

size_t FoldedData::invalid() const
{
	size_t n = 0;
	for (const auto &s : sources)
		n += s.invalid;
	return n;
}

bool parse_folded_line(std::string_view line, FoldedLine &out)
{
	line = trim_right(line);
	size_t sep = line.find_last_of(" \t\r\v\f");
	if (sep == std::string_view::npos)
		return false;
	std::string_view stack = trim_right(line.substr(0, sep));
	if (stack.empty() || !parse_weight(line.substr(sep + 1), out.weight))
		return false;
	out.stack.assign(stack);
	return true;
}

void parse_folded_text(std::string_view text, const std::string &name, FoldedData &into)
{
	FoldedSource src;
	src.name = name;
	size_t line_no = 0;
	while (!text.empty()) {
		size_t nl = text.find('\n');
		std::string_view line = text.substr(0, nl);
		count_line(line, ++line_no, src, into.lines);
		text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
	}
	into.sources.push_back(std::move(src));
}

Result<void> read_folded_stream(std::FILE *in, const std::string &name, FoldedData &into)
{
	FoldedSource src;
	src.name = name;
	char *buf = nullptr;
	size_t cap = 0;
	size_t line_no = 0;
	ssize_t n;
	errno = 0;
	while ((n = getline(&buf, &cap, in)) >= 0) {
		std::string_view line(buf, static_cast<size_t>(n));
		if (line.ends_with('\n'))
			line.remove_suffix(1);
		count_line(line, ++line_no, src, into.lines);
	}
	int err = errno;
	std::free(buf);
	if (std::ferror(in))
		return sys_fail(ExitCode::usage, err ? err : EIO, "cannot read '{}'", name);
	into.sources.push_back(std::move(src));
	return {};
}

namespace {

struct FileCloser {
	void operator()(std::FILE *f) const { std::fclose(f); }
};

std::string nothing_read(const FoldedData &d)
{
	std::string names;
	for (const auto &s : d.sources)
		names += (names.empty() ? "'" : ", '") + s.name + "'";
	const FoldedSource &first = d.sources[0];
	if (d.sources.size() == 1 && first.invalid > 0)
		return fmt::format("no folded stacks in {}: {} line{} with invalid format "
				   "(first: line {}; want 'frame;frame;... WEIGHT')",
				   names, first.invalid, first.invalid == 1 ? "" : "s",
				   first.first_invalid);
	if (d.invalid() > 0)
		return fmt::format("no folded stacks in {}: {} lines with invalid format", names,
				   d.invalid());
	return fmt::format("no folded stacks in {}: empty input", names);
}

}  // namespace

Result<FoldedData> read_folded(const std::vector<std::string> &paths)
{
	if (paths.empty())
		return fail(ExitCode::usage, "no input files");
	FoldedData data;
	for (const auto &path : paths) {
		if (path == "-") {
			if (auto r = read_folded_stream(stdin, "standard input", data); !r)
				return std::unexpected(r.error());
			continue;
		}
		std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "re"));
		if (!f)
			return sys_fail(ExitCode::usage, errno, "cannot read '{}'", path);
		if (auto r = read_folded_stream(f.get(), path, data); !r)
			return std::unexpected(r.error());
	}
	if (data.lines.empty())
		return std::unexpected(Error{ExitCode::usage, nothing_read(data)});
	return data;
}

}  // namespace xpu
