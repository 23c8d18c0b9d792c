#include "report.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "output_file.hpp"
#include "stack_tree.hpp"

namespace xpu {

namespace {

Result<void> write_table(const StackTree &tree, const TableOptions &opts, std::FILE *out)
{
	std::string text = format_table(tree, opts);
	if (std::fwrite(text.data(), 1, text.size(), out) != text.size() || std::fflush(out) != 0)
		return sys_fail(ExitCode::output, errno, "write the report");
	return {};
}

Result<SvgStats> write_svg_file(const StackTree &tree, const ReportConfig &cfg)
{
	auto out = OutputFile::open(cfg.svg);
	if (!out)
		return std::unexpected(out.error());
	auto st = write_svg(tree, cfg.svg_opts, out->stream());
	if (!st)
		return fail(ExitCode::output, "'{}': {}", cfg.svg, st.error().msg);
	if (auto r = out->commit(); !r)
		return std::unexpected(r.error());
	return st;
}

}  // namespace

Result<ReportSummary> run_report(const ReportConfig &cfg, std::FILE *table_out)
{
	StackTree tree;
	StackSplitter splitter(tree.frames());
	auto sources = read_folded(cfg.inputs, [&](std::string_view stack, double weight) {
		if (weight > 0)
			tree.add(splitter.split(stack), weight);
	});
	if (!sources)
		return std::unexpected(sources.error());
	ReportSummary s;
	s.sources = std::move(*sources);
	s.total = tree.total();
	s.stacks = tree.stacks();
	if (!(tree.total() > 0))
		return fail(ExitCode::usage, "no samples to report: every stack has weight 0");
	if (cfg.svg.empty()) {
		if (auto r = write_table(tree, cfg.table, table_out); !r)
			return std::unexpected(r.error());
		return s;
	}
	auto st = write_svg_file(tree, cfg);
	if (!st)
		return std::unexpected(st.error());
	s.svg = *st;
	return s;
}

Result<double> parse_min_width(std::string_view s, int image_width)
{
	bool pct = s.ends_with('%');
	std::string_view num = pct ? s.substr(0, s.size() - 1) : s;
	double v = 0;
	auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
	bool whole = !num.empty() && ec == std::errc() && end == num.data() + num.size();
	if (!whole || !std::isfinite(v) || v < 0 || (pct && v > 100))
		return fail(ExitCode::usage,
			    "bad width '{}' (pixels like 0.1, or a share like 0.5%)", s);
	if (pct)
		v = v / 100 * std::max(0, image_width - 2 * svg_side_margin);
	return v;
}

std::vector<std::string> report_warnings(const ReportSummary &s)
{
	std::vector<std::string> out;
	for (const auto &src : s.sources) {
		for (const auto &bad : src.bad)
			out.push_back(fmt::format("{}:{}: invalid line ignored: '{}'", src.name,
						  bad.line, bad.text));
		if (src.invalid > src.bad.size())
			out.push_back(fmt::format("{}: {} more invalid lines ignored ({} in all)",
						  src.name, src.invalid - src.bad.size(),
						  src.invalid));
		if (src.valid == 0 && src.invalid == 0)
			out.push_back(fmt::format("no folded stacks in '{}'", src.name));
	}
	return out;
}

}  // namespace xpu
