#include "report/report.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include "output/export_formats.hpp"
#include "base/output_file.hpp"
#include "report/report_diff.hpp"
#include "report/report_gate.hpp"
#include "profile/stack_tree.hpp"

namespace xpu {

namespace {

struct Loaded {
	StackTree tree;
	double read_total = 0;
};

// Streams `paths` into one tree through a filter of its own (filters cache
// answers by frame id, and ids are per tree).
Result<Loaded> load(const std::vector<std::string> &paths, const ReportConfig &cfg,
		    std::vector<FoldedSource> &sources)
{
	auto filter = StackFilter::make(cfg.filter);
	if (!filter)
		return std::unexpected(filter.error());
	bool filtering = cfg.filter.any();
	Loaded l;
	StackSplitter splitter(l.tree.frames());
	auto read = read_folded(
		paths,
		[&](std::string_view stack, double weight) {
			if (!(weight > 0))
				return;
			l.read_total += weight;
			auto ids = std::span<const FrameId>(splitter.split(stack));
			if (filtering)
				ids = filter->apply(ids, l.tree.frames());
			if (!ids.empty())
				l.tree.add(ids, weight);
		},
		{.strict = cfg.strict});
	if (!read)
		return std::unexpected(read.error());
	sources.insert(sources.end(), read->begin(), read->end());
	if (!(l.tree.total() > 0)) {
		if (l.read_total > 0)
			return fail(ExitCode::usage, "no samples left after the filters ({} read)",
				    format_weight(l.read_total));
		return fail(ExitCode::usage, "no samples to report: every stack has weight 0");
	}
	return l;
}

Result<void> write_all(const std::string &text, const std::string &path, std::FILE *std_out,
		       const char *what)
{
	if (path == "-") {
		if (std::fwrite(text.data(), 1, text.size(), std_out) != text.size() ||
		    std::fflush(std_out) != 0)
			return sys_fail(ExitCode::output, errno, "write the {}", what);
		return {};
	}
	auto out = OutputFile::open(path);
	if (!out)
		return std::unexpected(out.error());
	if (std::fwrite(text.data(), 1, text.size(), out->stream()) != text.size() ||
	    std::fflush(out->stream()) != 0)
		return sys_fail(ExitCode::output, errno, "'{}': write the {}", path, what);
	return out->commit();
}

Result<SvgStats> write_svg_file(const StackTree &tree, const ReportConfig &cfg,
				const SvgOptions &opts)
{
	auto out = OutputFile::open(cfg.svg);
	if (!out)
		return std::unexpected(out.error());
	auto st = write_svg(tree, opts, out->stream());
	if (!st)
		return fail(ExitCode::output, "'{}': {}", cfg.svg, st.error().msg);
	if (auto r = out->commit(); !r)
		return std::unexpected(r.error());
	return st;
}

std::string profile_name(const std::vector<std::string> &inputs)
{
	std::string s;
	for (const auto &i : inputs)
		s += (s.empty() ? "" : ", ") + (i == "-" ? std::string("standard input") : i);
	return s;
}

// The table or export of one profile.
Result<std::string> render(const StackTree &tree, const ReportConfig &cfg, ReportSummary &s)
{
	TableOptions t = cfg.table;
	switch (cfg.format) {
	case ReportFormat::table:
		t.format = TableFormat::human;
		return format_table(tree, t);
	case ReportFormat::csv:
		t.format = TableFormat::csv;
		return format_table(tree, t);
	case ReportFormat::json:
		t.format = TableFormat::json;
		return format_table(tree, t);
	case ReportFormat::folded:
		return to_folded_text(tree);
	case ReportFormat::speedscope:
		return to_speedscope(tree, profile_name(cfg.inputs));
	case ReportFormat::pprof:
		return to_pprof(tree, &s.pprof, PprofOptions{.freq = cfg.freq});
	}
	return std::string();
}

Result<std::vector<Gate>> parse_gates(const ReportConfig &cfg)
{
	std::vector<Gate> gates;
	if (!cfg.fail_if_growth.empty() && !cfg.diff)
		return fail(ExitCode::usage, "--fail-if-growth needs --diff BASE NEW");
	for (const auto &[list, growth] :
	     {std::pair{&cfg.fail_if, false}, std::pair{&cfg.fail_if_growth, true}})
		for (const auto &e : *list) {
			auto g = parse_gate(e, growth);
			if (!g)
				return std::unexpected(g.error());
			gates.push_back(std::move(*g));
		}
	return gates;
}

void check_gates(const std::vector<Gate> &gates, const StackTree &neu, const StackTree *base,
		 ReportSummary &s)
{
	for (const auto &g : gates) {
		GateOutcome o = check_gate(g, neu, base);
		if (o.violated)
			s.gate_failures.push_back(o.message);
		else if (!o.message.empty())
			s.gate_warnings.push_back(o.message);
	}
}

Result<ReportSummary> run_diff(const ReportConfig &cfg, const std::vector<Gate> &gates,
			       std::FILE *table_out)
{
	if (cfg.inputs.size() != 2)
		return fail(ExitCode::usage, "--diff takes two files, BASE and NEW ({} given)",
			    cfg.inputs.size());
	if (cfg.table.group != GroupBy::symbol)
		return fail(ExitCode::usage, "--diff compares functions: --sort self or total, not {}",
			    to_string(cfg.table.group));
	ReportSummary s;
	// The two profiles are independent until compared: read them at once.
	std::vector<FoldedSource> base_sources, new_sources;
	Result<Loaded> base;
	std::thread reader([&] { base = load({cfg.inputs[0]}, cfg, base_sources); });
	Result<Loaded> neu = load({cfg.inputs[1]}, cfg, new_sources);
	reader.join();
	if (!base)
		return std::unexpected(base.error());
	if (!neu)
		return std::unexpected(neu.error());
	s.sources = std::move(base_sources);
	s.sources.insert(s.sources.end(), new_sources.begin(), new_sources.end());
	s.total = neu->tree.total();
	s.stacks = neu->tree.stacks();
	s.read_total = neu->read_total;
	DiffInputs in{profile_name({cfg.inputs[0]}), profile_name({cfg.inputs[1]})};
	if (!cfg.svg.empty()) {
		std::vector<double> delta = node_deltas(base->tree, neu->tree);
		SvgOptions o = cfg.svg_opts;
		o.delta = &delta;
		if (o.title.empty())
			o.title = "Differential Flame Graph";
		if (o.subtitle.empty())
			o.subtitle = fmt::format("{} -> {}: red grew, blue shrank (share of the total)",
						 in.base_name, in.new_name);
		auto st = write_svg_file(neu->tree, cfg, o);
		if (!st)
			return std::unexpected(st.error());
		s.svg = *st;
	} else {
		TableOptions t = cfg.table;
		if (cfg.format == ReportFormat::csv)
			t.format = TableFormat::csv;
		else if (cfg.format == ReportFormat::json)
			t.format = TableFormat::json;
		else if (cfg.format != ReportFormat::table)
			return fail(ExitCode::usage,
				    "--diff writes a table (human, csv, json) or --svg, not an export");
		std::string text = format_diff_table(base->tree, neu->tree, t, in);
		if (auto r = write_all(text, cfg.output, table_out, "report"); !r)
			return std::unexpected(r.error());
	}
	check_gates(gates, neu->tree, &base->tree, s);
	return s;
}

}  // namespace

std::optional<ReportFormat> parse_report_format(std::string_view s)
{
	if (s == "table")
		return ReportFormat::table;
	if (s == "csv")
		return ReportFormat::csv;
	if (s == "json")
		return ReportFormat::json;
	if (s == "folded")
		return ReportFormat::folded;
	if (s == "speedscope")
		return ReportFormat::speedscope;
	if (s == "pprof")
		return ReportFormat::pprof;
	return std::nullopt;
}

Result<ReportSummary> run_report(const ReportConfig &cfg, std::FILE *table_out)
{
	auto gates = parse_gates(cfg);
	if (!gates)
		return std::unexpected(gates.error());
	if (cfg.diff)
		return run_diff(cfg, *gates, table_out);
	ReportSummary s;
	auto l = load(cfg.inputs, cfg, s.sources);
	if (!l)
		return std::unexpected(l.error());
	const StackTree &tree = l->tree;
	s.total = tree.total();
	s.stacks = tree.stacks();
	s.read_total = l->read_total;
	if (!cfg.svg.empty()) {
		auto st = write_svg_file(tree, cfg, cfg.svg_opts);
		if (!st)
			return std::unexpected(st.error());
		s.svg = *st;
	} else {
		auto text = render(tree, cfg, s);
		if (!text)
			return std::unexpected(text.error());
		if (auto r = write_all(*text, cfg.output, table_out, "report"); !r)
			return std::unexpected(r.error());
	}
	check_gates(*gates, tree, nullptr, s);
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
	if (s.pprof.dropped > 0)
		out.push_back(fmt::format("pprof: {} stack{} with a weight under 0.5 left out "
					  "(pprof values are integers)",
					  s.pprof.dropped, s.pprof.dropped == 1 ? "" : "s"));
	for (const auto &w : s.gate_warnings)
		out.push_back(w);
	return out;
}

}  // namespace xpu
