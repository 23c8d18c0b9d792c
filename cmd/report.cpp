// xpu-perf report: flags -> ReportConfig -> run_report().
#include <cstdio>

#include "commands.hpp"
#include "lib/log.hpp"
#include "lib/report.hpp"

namespace xpu::cmd {

namespace {

struct ReportFlags {
	ReportConfig cfg;
	std::string sort = "self";
	std::string min_width = "0.1";
};

ReportConfig to_config(const ReportFlags &f)
{
	ReportConfig cfg = f.cfg;
	cfg.table.sort = f.sort == "total" ? TableSort::total : TableSort::self;
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
	std::fprintf(stderr, "xpu-perf: flame graph of %s %s: %zu frames%s -> %s\n",
		     format_weight(s.total).c_str(), cfg.svg_opts.unit.c_str(), s.svg.drawn,
		     elided.c_str(), cfg.svg == "-" ? "standard output" : cfg.svg.c_str());
}

}  // namespace

void add_report(CLI::App &app, Globals &)
{
	auto f = std::make_shared<ReportFlags>();
	CLI::App *sub = app.add_subcommand(
		"report", "Summarize folded stacks: the top functions as a table, or an "
			  "interactive SVG flame graph.");
	sub->footer("\nFiles: folded stacks ('frame;frame;frame WEIGHT' per line), as written "
		    "by xpu-perf record\nor read by flamegraph.pl; several are merged, '-' is "
		    "standard input.\nExamples:\n  xpu-perf report\n"
		    "  xpu-perf report --top 50 --sort total app.folded\n"
		    "  xpu-perf report --svg app.svg --title 'my app' app.folded\nSee "
		    "xpu-perf-report(1).");
	sub->add_option("files", f->cfg.inputs, "folded stack files (default: xpu-perf.folded)")
		->type_name("FILE");
	auto *top = sub->add_option("--top", f->cfg.table.top, "show this many functions; 0 = all")
			    ->capture_default_str()
			    ->check(CLI::NonNegativeNumber);
	auto *sort = sub->add_option("--sort", f->sort, "order the table by self or total weight")
			     ->capture_default_str()
			     ->check(CLI::IsMember({"self", "total"}));
	auto *svg = sub->add_option("--svg", f->cfg.svg,
				    "write an SVG flame graph to FILE instead of the table "
				    "('-' = stdout)")
			    ->type_name("FILE");
	top->excludes(svg);
	sort->excludes(svg);
	sub->add_option("--title", f->cfg.svg_opts.title,
			"flame graph title (default: Flame Graph, or Icicle Graph)")
		->needs(svg);
	sub->add_option("--subtitle", f->cfg.svg_opts.subtitle, "a second line under the title")
		->needs(svg);
	sub->add_flag("--inverted", f->cfg.svg_opts.inverted,
		      "icicle graph: the root at the top, callees below")
		->needs(svg);
	sub->add_option("--width", f->cfg.svg_opts.width, "image width in pixels")
		->capture_default_str()
		->check(CLI::Range(200, 100000))
		->needs(svg);
	sub->add_option("--minwidth", f->min_width,
			"leave out frames narrower than PX pixels, or than a share like 0.5%")
		->capture_default_str()
		->type_name("PX")
		->needs(svg);
	sub->callback([f] {
		ReportConfig cfg = to_config(*f);
		auto sum = run_report(cfg, stdout);
		if (!sum)
			fail_with(to_int(sum.error().exit), sum.error().msg);
		for (const auto &w : report_warnings(*sum))
			log::warn("{}", w);
		if (!cfg.svg.empty())
			print_svg_summary(*sum, cfg);
	});
}

}  // namespace xpu::cmd
