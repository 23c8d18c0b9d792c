// xpu-perf report: flags -> ReportConfig -> run_report().
#include <unistd.h>

#include <cstdio>

#include "commands.hpp"
#include "base/log.hpp"
#include "report/report.hpp"

namespace xpu::cmd {

namespace {

struct ReportFlags {
	ReportConfig cfg;
	std::string sort = "self";
	std::string format = "table";
	std::string min_width = "0.1";
};

ReportConfig to_config(const ReportFlags &f)
{
	ReportConfig cfg = f.cfg;
	if (f.sort == "total") {
		cfg.table.sort = TableSort::total;
	} else if (f.sort != "self") {
		cfg.table.group = parse_group(f.sort).value_or(GroupBy::symbol);
	}
	cfg.format = parse_report_format(f.format).value_or(ReportFormat::table);
	if (cfg.format == ReportFormat::pprof && cfg.output == "-" && isatty(STDOUT_FILENO))
		fail_with(to_int(ExitCode::usage),
			  "--format pprof writes gzip'd binary: give -o FILE or redirect it");
	auto mw = parse_min_width(f.min_width, cfg.svg_opts.width);
	if (!mw)
		fail_with(to_int(mw.error().exit), "--minwidth: " + mw.error().msg);
	cfg.svg_opts.min_width = *mw;
	return cfg;
}

void print_svg_summary(const ReportSummary &s, const ReportConfig &cfg)
{
	std::string elided;
	if (s.svg.elided > 0)
		elided = fmt::format(", {} narrower than {} px left out", s.svg.elided,
				     format_weight(cfg.svg_opts.min_width));
	std::fprintf(stderr, "xpu-perf: %sflame graph of %s %s: %zu frames%s -> %s\n",
		     cfg.diff ? "differential " : "", format_weight(s.total).c_str(),
		     cfg.svg_opts.unit.c_str(), s.svg.drawn, elided.c_str(),
		     cfg.svg == "-" ? "standard output" : cfg.svg.c_str());
}

void add_view_flags(CLI::App *sub, ReportFlags &f)
{
	auto *top = sub->add_option("--top", f.cfg.table.top, "show this many rows; 0 = all")
			    ->capture_default_str()
			    ->check(CLI::NonNegativeNumber);
	auto *sort = sub->add_option("--sort", f.sort,
				     "rows: functions by self (also 'symbol') or total weight, or "
				     "grouped by dso, comm, pid or layer")
			     ->capture_default_str()
			     ->check(CLI::IsMember(
				     {"self", "symbol", "total", "dso", "comm", "pid", "layer"}));
	auto *limit = sub->add_option("--percent-limit", f.cfg.table.percent_limit,
				      "leave out rows under PCT% of the total (with --diff: "
				      "whose change is under PCT pp)")
			      ->type_name("PCT")
			      ->check(CLI::Range(0.0, 100.0));
	auto *format = sub->add_option("--format", f.format,
				       "table (for people), csv, json, or an export: folded, "
				       "speedscope, pprof")
			       ->capture_default_str()
			       ->check(CLI::IsMember(
				       {"table", "csv", "json", "folded", "speedscope", "pprof"}));
	sub->add_option("-F,--freq", f.cfg.freq,
			"the profile's sampling frequency (record's -F): pprof's time "
			"layers in nanoseconds, not samples")
		->type_name("HZ")
		->check(CLI::Range(1, 1000000));
	auto *output = sub->add_option("-o,--output", f.cfg.output,
				       "write the table or export to FILE ('-' = stdout)")
			       ->type_name("FILE");
	auto *svg = sub->add_option("--svg", f.cfg.svg,
				    "write an SVG flame graph to FILE instead of the table "
				    "('-' = stdout)")
			    ->type_name("FILE");
	for (auto *o : {top, sort, limit, format, output})
		o->excludes(svg);
	sub->add_option("--title", f.cfg.svg_opts.title,
			"flame graph title (default: Flame Graph, or Icicle Graph)")
		->needs(svg);
	sub->add_option("--subtitle", f.cfg.svg_opts.subtitle, "a second line under the title")
		->needs(svg);
	sub->add_flag("--inverted", f.cfg.svg_opts.inverted,
		      "icicle graph: the root at the top, callees below")
		->needs(svg);
	sub->add_option("--width", f.cfg.svg_opts.width, "image width in pixels")
		->capture_default_str()
		->check(CLI::Range(200, 100000))
		->needs(svg);
	sub->add_option("--minwidth", f.min_width,
			"leave out frames narrower than PX pixels, or than a share like 0.5%")
		->capture_default_str()
		->type_name("PX")
		->needs(svg);
}

void add_filter_flags(CLI::App *sub, ReportFlags &f)
{
	FilterOptions &o = f.cfg.filter;
	sub->add_option("--comm", o.comms, "only stacks of these processes (comma-separated)")
		->delimiter(',')
		->allow_extra_args(false)
		->type_name("NAME");
	sub->add_option("--pid", o.pids,
			"only stacks of these pids (needs record --pid-prefix; comma-separated)")
		->delimiter(',')
		->allow_extra_args(false)
		->type_name("PID");
	sub->add_option("--grep", o.grep, "only stacks with a frame matching REGEX")
		->type_name("REGEX");
	sub->add_option("--exclude", o.exclude, "leave out stacks with a frame matching REGEX")
		->type_name("REGEX");
	sub->add_option("--focus", o.focus,
			"only stacks through FRAME (a whole frame name), re-rooted at it")
		->type_name("FRAME");
	sub->add_option("--layer", o.layers, "only these layers: cpu, offcpu, gpu, net (comma-separated)")
		->delimiter(',')
		->allow_extra_args(false)
		->check(CLI::IsMember({"cpu", "offcpu", "gpu", "net"}))
		->type_name("LAYER");
	sub->add_flag("--strict", f.cfg.strict, "an invalid input line is an error, not a warning");
}

void add_diff_flags(CLI::App *sub, ReportFlags &f)
{
	sub->add_flag("--diff", f.cfg.diff,
		      "compare two profiles, BASE NEW: the functions whose share moved most, "
		      "or with --svg a differential flame graph");
	sub->add_option("--fail-if", f.cfg.fail_if,
			"exit 6 when FRAME's total share of the (new) profile crosses a "
			"threshold, e.g. 'malloc>20%'")
		->allow_extra_args(false)
		->type_name("EXPR");
	sub->add_option("--fail-if-growth", f.cfg.fail_if_growth,
			"with --diff: exit 6 when FRAME's share grew past a threshold, "
			"e.g. 'malloc>5pp'")
		->allow_extra_args(false)
		->type_name("EXPR");
}

}  // namespace

void add_report(CLI::App &app, Globals &)
{
	auto f = std::make_shared<ReportFlags>();
	CLI::App *sub = app.add_subcommand(
		"report", "Summarize folded stacks: top-functions tables, an interactive SVG "
			  "flame graph, diffs, CI gates and exports.");
	sub->footer("\nFiles: folded stacks ('frame;frame;frame WEIGHT' per line), as written "
		    "by xpu-perf record\nor read by flamegraph.pl; several are merged, '-' is "
		    "standard input.\nExamples:\n  xpu-perf report\n"
		    "  xpu-perf report --top 50 --sort total app.folded\n"
		    "  xpu-perf report --sort dso --format csv app.folded\n"
		    "  xpu-perf report --svg app.svg --title 'my app' app.folded\n"
		    "  xpu-perf report --diff base.folded new.folded --fail-if-growth 'malloc>2pp'\n"
		    "  xpu-perf report --format pprof -o app.pb.gz app.folded\nSee "
		    "xpu-perf-report(1).");
	sub->add_option("files", f->cfg.inputs, "folded stack files (default: xpu-perf.folded)")
		->type_name("FILE");
	add_view_flags(sub, *f);
	add_filter_flags(sub, *f);
	add_diff_flags(sub, *f);
	sub->callback([f] {
		ReportConfig cfg = to_config(*f);
		auto sum = run_report(cfg, stdout);
		if (!sum)
			fail_with(to_int(sum.error().exit), sum.error().msg);
		for (const auto &w : report_warnings(*sum))
			log::warn("{}", w);
		if (!cfg.svg.empty())
			print_svg_summary(*sum, cfg);
		for (const auto &g : sum->gate_failures)
			std::fprintf(stderr, "xpu-perf: gate failed: %s\n", g.c_str());
		if (!sum->gate_failures.empty())
			throw CLI::RuntimeError(to_int(ExitCode::gate));
	});
}

}  // namespace xpu::cmd
