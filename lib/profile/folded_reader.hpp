// Reads folded stacks: xpu-perf's own output and anything flamegraph.pl
// reads. A line is "STACK WEIGHT": the weight is the last whitespace-separated
// token, an unsigned integer or decimal ("12", "0.5", "3."), as flamegraph.pl's
// /^(.*)\s+?(\d+(?:\.\d*)?)$/ has it; the stack is everything before it, frames
// separated by ';' and free to contain spaces ("std::vector<int, std::allocator
// <int> >::push_back(int const&)"). Blank lines and comments ("# " first,
// as `live` heads its windows) are skipped. A line that is not
// of this form is counted, remembered by its line number (the first few, for
// "file:line" warnings) and skipped, as flamegraph.pl does; with `strict` it
// is an error instead. Reading fails only when nothing valid is left.
// Unlike flamegraph.pl, trailing whitespace and CRLF line ends are accepted.
//
// Inputs are streamed: each valid line goes to a sink as it is read and
// nothing of it is kept, so memory does not grow with the input's size.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace xpu {

struct FoldedLine {
	std::string_view stack;  // "a;b;c", root first; points into the parsed line
	double weight = 0;
};

// An invalid line, for the warning that names it.
struct BadLine {
	size_t line = 0;   // 1-based
	std::string text;  // the line, cut to 80 bytes
};

// What was read from one input, for warnings.
struct FoldedSource {
	std::string name;          // the path, or "standard input" for "-"
	size_t valid = 0;          // lines with a stack and a weight
	size_t invalid = 0;        // lines ignored
	size_t first_invalid = 0;  // 1-based line number of the first ignored line
	std::vector<BadLine> bad;  // the first max_bad_lines ignored lines
	static constexpr size_t max_bad_lines = 5;
};

// Called with every valid line, in input order.
using FoldedSink = std::function<void(std::string_view stack, double weight)>;

struct FoldedReadOptions {
	bool strict = false;  // an invalid line is an error (ExitCode::usage), not a warning
};

// Parses one line (without its '\n'); false when flamegraph.pl would ignore
// it. A line holding only whitespace is not a stack either: callers skip it.
bool parse_folded_line(std::string_view line, FoldedLine &out);

// Feeds the lines of `text` (the input named `name`) to `sink`.
Result<FoldedSource> parse_folded_text(std::string_view text, const std::string &name,
				       const FoldedSink &sink, FoldedReadOptions opts = {});

// Reads each path ("-" is standard input), feeding every valid line to
// `sink`. Errors, all with ExitCode::usage: a path that cannot be read
// ("cannot read 'x': No such file or directory"), no valid line in any input,
// or with opts.strict the first invalid line ("x.folded:3: invalid line ...").
Result<std::vector<FoldedSource>> read_folded(const std::vector<std::string> &paths,
					      const FoldedSink &sink,
					      FoldedReadOptions opts = {});

// The same for one already-open stream (not closed here).
Result<FoldedSource> read_folded_stream(std::FILE *in, const std::string &name,
					const FoldedSink &sink, FoldedReadOptions opts = {});

}  // namespace xpu
