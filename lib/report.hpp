// `report`: folded stacks in, a view of them out. Reads and merges the inputs
// into one StackTree, then writes either the top-functions table or the SVG
// flame graph. Shared with nothing else on purpose: `top` and `live` build
// the same StackTree from their own sources.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "folded_reader.hpp"
#include "writer_svg.hpp"
#include "writer_table.hpp"

namespace xpu {

struct ReportConfig {
	std::vector<std::string> inputs = {"xpu-perf.folded"};  // "-" = standard input
	TableOptions table;
	std::string svg;  // non-empty: write the flame graph here ("-" = stdout) instead
	SvgOptions svg_opts;
};

struct ReportSummary {
	std::vector<FoldedSource> sources;  // what each input held
	double total = 0;
	size_t stacks = 0;
	SvgStats svg;  // when a flame graph was written
};

// Writes the table to `table_out`, or the SVG to cfg.svg (atomically).
Result<ReportSummary> run_report(const ReportConfig &cfg, std::FILE *table_out);

// --minwidth: "0.1" (pixels) or "0.5%" (of the total weight, so of the plot
// width too), in pixels for an image `image_width` wide. Must be >= 0.
Result<double> parse_min_width(std::string_view s, int image_width);

// Warnings worth a line on stderr: ignored lines, an elided-frames count.
std::vector<std::string> report_warnings(const ReportSummary &s);

}  // namespace xpu
