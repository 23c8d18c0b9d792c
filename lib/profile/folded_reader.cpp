#include "profile/folded_reader.hpp"
#include "base/lines.hpp"

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

std::string_view cut(std::string_view s, size_t n)
{
	return s.size() <= n ? s : s.substr(0, n);
}

// One line of input: to the sink, skipped, or remembered as invalid; an
// error only when strict.
Result<void> take_line(std::string_view line, size_t line_no, FoldedSource &src,
		       const FoldedSink &sink, FoldedReadOptions opts)
{
	if (trim_right(line).empty())
		return {};
	// "# ..." is a comment: `live` heads each window with one, so its
	// output concatenated is still one readable profile.
	if (line.starts_with("# "))
		return {};
	FoldedLine fl;
	if (parse_folded_line(line, fl)) {
		sink(fl.stack, fl.weight);
		++src.valid;
		return {};
	}
	if (opts.strict)
		return fail(ExitCode::usage,
			    "{}:{}: invalid line '{}' (want 'frame;frame;... WEIGHT'; --strict)",
			    src.name, line_no, cut(trim_right(line), 80));
	if (src.invalid++ == 0)
		src.first_invalid = line_no;
	if (src.bad.size() < FoldedSource::max_bad_lines)
		src.bad.push_back({line_no, std::string(cut(trim_right(line), 80))});
	return {};
}

}  // namespace

bool parse_folded_line(std::string_view line, FoldedLine &out)
{
	line = trim_right(line);
	size_t sep = line.find_last_of(" \t\r\v\f");
	if (sep == std::string_view::npos)
		return false;
	std::string_view stack = trim_right(line.substr(0, sep));
	if (stack.empty() || !parse_weight(line.substr(sep + 1), out.weight))
		return false;
	out.stack = stack;
	return true;
}

Result<FoldedSource> parse_folded_text(std::string_view text, const std::string &name,
				       const FoldedSink &sink, FoldedReadOptions opts)
{
	FoldedSource src;
	src.name = name;
	size_t line_no = 0;
	while (!text.empty()) {
		if (auto r = take_line(next_line(text), ++line_no, src, sink, opts); !r)
			return std::unexpected(r.error());
	}
	return src;
}

Result<FoldedSource> read_folded_stream(std::FILE *in, const std::string &name,
					const FoldedSink &sink, FoldedReadOptions opts)
{
	FoldedSource src;
	src.name = name;
	char *buf = nullptr;
	size_t cap = 0;
	size_t line_no = 0;
	ssize_t n;
	errno = 0;
	Result<void> r;
	while (r && (n = getline(&buf, &cap, in)) >= 0) {
		std::string_view line(buf, static_cast<size_t>(n));
		if (line.ends_with('\n'))
			line.remove_suffix(1);
		r = take_line(line, ++line_no, src, sink, opts);
	}
	int err = errno;
	std::free(buf);
	if (!r)
		return std::unexpected(r.error());
	if (std::ferror(in))
		return sys_fail(ExitCode::usage, err ? err : EIO, "cannot read '{}'", name);
	return src;
}

namespace {

struct FileCloser {
	void operator()(std::FILE *f) const { std::fclose(f); }
};

std::string nothing_read(const std::vector<FoldedSource> &sources)
{
	std::string names;
	size_t invalid = 0;
	for (const auto &s : sources) {
		names += (names.empty() ? "'" : ", '") + s.name + "'";
		invalid += s.invalid;
	}
	const FoldedSource &first = sources[0];
	if (sources.size() == 1 && first.invalid > 0)
		return fmt::format("no folded stacks in {}: {} line{} with invalid format "
				   "(first: line {}; want 'frame;frame;... WEIGHT')",
				   names, first.invalid, first.invalid == 1 ? "" : "s",
				   first.first_invalid);
	if (invalid > 0)
		return fmt::format("no folded stacks in {}: {} lines with invalid format", names,
				   invalid);
	return fmt::format("no folded stacks in {}: empty input", names);
}

}  // namespace

Result<std::vector<FoldedSource>> read_folded(const std::vector<std::string> &paths,
					      const FoldedSink &sink, FoldedReadOptions opts)
{
	if (paths.empty())
		return fail(ExitCode::usage, "no input files");
	std::vector<FoldedSource> sources;
	size_t valid = 0;
	for (const auto &path : paths) {
		Result<FoldedSource> src;
		if (path == "-") {
			src = read_folded_stream(stdin, "standard input", sink, opts);
		} else {
			std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "re"));
			if (!f)
				return sys_fail(ExitCode::usage, errno, "cannot read '{}'", path);
			// 1 MiB reads instead of the default 4 KiB: a large profile is
			// then a few hundred system calls, not hundreds of thousands.
			std::setvbuf(f.get(), nullptr, _IOFBF, size_t{1} << 20);
			src = read_folded_stream(f.get(), path, sink, opts);
		}
		if (!src)
			return std::unexpected(src.error());
		valid += src->valid;
		sources.push_back(std::move(*src));
	}
	if (valid == 0)
		return std::unexpected(Error{ExitCode::usage, nothing_read(sources)});
	return sources;
}

}  // namespace xpu
