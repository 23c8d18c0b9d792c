// `report`: folded stacks in, a view of them out. Reads (streams) the inputs
// into one StackTree, through the filters, then writes one view: the table
// (human, CSV, JSON), an export (folded, speedscope, pprof) or the SVG flame
// graph; with `diff`, two trees (BASE, NEW) and the diff table or a
// differential flame graph. CI gates are checked last, on what was read.
// `top` and `live` build the same StackTree from their own sources.
#pragma once

#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "output/export_pprof.hpp"
#include "profile/folded_reader.hpp"
#include "report/report_filter.hpp"
#include "output/writer_svg.hpp"
#include "output/writer_table.hpp"

namespace xpu {

enum class ReportFormat { table, csv, json, folded, speedscope, pprof };

std::optional<ReportFormat> parse_report_format(std::string_view s);

struct ReportConfig {
	std::vector<std::string> inputs = {"xpu-perf.folded"};  // "-" = standard input
	ReportFormat format = ReportFormat::table;
	std::string output = "-";  // -o: where the table or export goes
	TableOptions table;
	FilterOptions filter;
	bool strict = false;  // an invalid input line is an error
	int freq = 0;         // --freq: the samples' Hz, for pprof's nanoseconds (0: unknown)
	std::string svg;      // non-empty: write the flame graph here ("-" = stdout) instead
	SvgOptions svg_opts;
	bool diff = false;  // inputs are BASE and NEW
	std::vector<std::string> fail_if;         // 'FRAME>20%'
	std::vector<std::string> fail_if_growth;  // 'FRAME>5pp', with diff
};

struct ReportSummary {
	std::vector<FoldedSource> sources;  // what each input held
	double total = 0;                   // of the (new) profile, after the filters
	size_t stacks = 0;
	double read_total = 0;              // before the filters
	SvgStats svg;                       // when a flame graph was written
	PprofStats pprof;                   // when pprof was written
	std::vector<std::string> gate_failures;  // one line each: the gate was crossed
	std::vector<std::string> gate_warnings;  // e.g. a gate's frame is in no profile
};

// Writes the table or export to `table_out` (cfg.output "-") or cfg.output,
// or the SVG to cfg.svg (files atomically). Gate failures are not errors:
// they are in the summary, for the caller to turn into ExitCode::gate.
Result<ReportSummary> run_report(const ReportConfig &cfg, std::FILE *table_out);

// --minwidth: "0.1" (pixels) or "0.5%" (of the total weight, so of the plot
// width too), in pixels for an image `image_width` wide. Must be >= 0.
Result<double> parse_min_width(std::string_view s, int image_width);

// Warnings worth a line on stderr: ignored lines (file:line), empty inputs.
std::vector<std::string> report_warnings(const ReportSummary &s);

}  // namespace xpu
