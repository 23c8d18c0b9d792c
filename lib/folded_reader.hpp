// Reads folded stacks: xpu-perf's own output and anything flamegraph.pl
// reads. A line is "STACK WEIGHT": the weight is the last whitespace-separated
// token, an unsigned integer or decimal ("12", "0.5", "3."), as flamegraph.pl's
// /^(.*)\s+?(\d+(?:\.\d*)?)$/ has it; the stack is everything before it, frames
// separated by ';' and free to contain spaces ("std::vector<int, std::allocator
// <int> >::push_back(int const&)"). Blank lines are skipped. A line that is not
// of this form is counted and skipped, as flamegraph.pl does ("Ignored N lines
// with invalid format"); reading fails only when nothing valid is left.
// Unlike flamegraph.pl, trailing whitespace and CRLF line ends are accepted.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"

namespace xpu {

struct FoldedLine {
	std::string stack;  // "a;b;c", root first
	double weight = 0;
};

// What was read from one input, for warnings.
struct FoldedSource {
	std::string name;          // the path, or "standard input" for "-"
	size_t valid = 0;          // lines with a stack and a weight
	size_t invalid = 0;        // lines ignored
	size_t first_invalid = 0;  // 1-based line number of the first ignored line
};

struct FoldedData {
	std::vector<FoldedLine> lines;      // every valid line of every input, in order
	std::vector<FoldedSource> sources;  // one per input
	size_t invalid() const;             // over all inputs
};

// Parses one line (without its '\n'); false when flamegraph.pl would ignore
// it. A line holding only whitespace is not a stack either: callers skip it.
bool parse_folded_line(std::string_view line, FoldedLine &out);

// Appends the lines of `text` to `into` as the input named `name`.
void parse_folded_text(std::string_view text, const std::string &name, FoldedData &into);

// Reads each path ("-" is standard input) and merges them. Errors, all with
// ExitCode::usage: a path that cannot be read ("cannot read 'x': No such file
// or directory"), or no valid line in any input.
Result<FoldedData> read_folded(const std::vector<std::string> &paths);

// The same for one already-open stream (not closed here).
Result<void> read_folded_stream(std::FILE *in, const std::string &name, FoldedData &into);

}  // namespace xpu
