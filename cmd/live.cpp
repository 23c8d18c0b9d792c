// xpu-perf live: flags -> LiveConfig -> run_live().
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "commands.hpp"
#include "live/live.hpp"
#include "target_flags.hpp"

namespace xpu::cmd {

namespace {

struct LiveFlags {
	TargetFlags target;
	double interval = 1.0;
	uint64_t windows = 0;
	bool cumulative = false;
	std::string format;  // empty: tree on a terminal, folded otherwise
	std::string output = "-";
	size_t top = 10;
	std::string http;  // [ADDR:]PORT
	std::string http_token;
	bool insecure = false;
	size_t http_max_clients = 16;
};

// --http: the page instead of stdout, unless --format or -o asks for both.
void add_http_flags(CLI::App *sub, LiveFlags &f)
{
	auto *http = sub->add_option("--http", f.http,
				     "serve the live flame graph as a web page on [ADDR:]PORT "
				     "(ADDR 127.0.0.1 unless given; PORT 0: any free port)")
			     ->type_name("[ADDR:]PORT");
	sub->add_option("--http-token", f.http_token,
			"clients not on this machine may change the session only with TOKEN "
			"(Authorization: Bearer TOKEN, or ?token=TOKEN); needed to serve beyond "
			"the loopback unless --insecure")
		->type_name("TOKEN")
		->needs(http);
	sub->add_flag("--insecure", f.insecure,
		      "serve beyond the loopback without --http-token: those clients are "
		      "read-only")
		->needs(http);
	sub->add_option("--http-max-clients", f.http_max_clients,
			"event streams (open pages) served at once")
		->capture_default_str()
		->check(CLI::Range(1, 1000))
		->needs(http);
}

}  // namespace

void add_live(CLI::App &app, Globals &g)
{
	auto f = std::make_shared<LiveFlags>();
	f->target.cfg.all_cpus = false;
	CLI::App *sub = app.add_subcommand(
		"live", "A rolling profile: every interval, the window's folded stacks (or a JSON "
			"summary) on stdout, flushed; a live text tree on a terminal.");
	sub->footer("\nWithout a command, -p or -a, every process is profiled (-a).\n"
		    "Examples:\n  xpu-perf live -i 1 -- ./app\n"
		    "  xpu-perf live -a --format json --windows 10 | jq .top[0]\n"
		    "  xpu-perf live -p 1234 -o windows.folded\n"
		    "  xpu-perf live --http 8080 -- ./app   # then open http://127.0.0.1:8080/\n"
		    "See xpu-perf-live(1).");
	add_target_flags(sub, f->target);
	sub->add_option("-i,--interval", f->interval, "seconds per window")
		->capture_default_str()
		->check(CLI::Range(0.05, 3600.0));
	sub->add_option("--windows", f->windows, "stop after this many windows (default: when "
						   "the target exits, --duration passes or on Ctrl-C)");
	sub->add_flag("--cumulative", f->cumulative,
		      "each window shows everything since the start, not just the window");
	sub->add_option("--format", f->format,
			"folded (default when not a terminal), json (one object a line), or "
			"tree (default on a terminal)")
		->check(CLI::IsMember({"folded", "json", "tree"}));
	sub->add_option("-o,--output", f->output, "write the windows to this file ('-' = stdout)")
		->capture_default_str();
	sub->add_option("--top", f->top, "functions in each JSON window")->capture_default_str();
	add_http_flags(sub, *f);
	sub->callback([f, &g] {
		LiveConfig cfg;
		cfg.rec = to_config(f->target, g.command);
		if (cfg.rec.command.empty() && cfg.rec.pids.empty())
			cfg.rec.all_cpus = true;
		cfg.interval = std::chrono::milliseconds(std::lround(f->interval * 1000));
		cfg.windows = f->windows;
		cfg.cumulative = f->cumulative;
		cfg.output = f->output;
		cfg.top = f->top;
		if (!f->http.empty()) {
			auto o = parse_http_listen(f->http);
			if (!o)
				fail_with(to_int(o.error().exit), o.error().msg);
			o->token = f->http_token;
			o->insecure = f->insecure;
			o->max_streams = f->http_max_clients;
			if (auto r = check_http_options(*o); !r)
				fail_with(to_int(r.error().exit), r.error().msg);
			cfg.http = *o;
			cfg.on_serving = [](const std::string &url) {
				std::fprintf(stderr, "xpu-perf: serving %s (Ctrl-C to stop)\n",
					     url.c_str());
			};
		}
		if (f->format == "json")
			cfg.format = LiveFormat::json;
		else if (cfg.http && f->format.empty() && f->output == "-")
			cfg.format = LiveFormat::none;
		else if (f->format == "tree" ||
			 (f->format.empty() && f->output == "-" && isatty(STDOUT_FILENO)))
			cfg.format = LiveFormat::tree;
		auto sum = run_live(cfg);
		if (!sum)
			fail_with(to_int(sum.error().exit), sum.error().msg);
		std::fprintf(stderr, "xpu-perf: %llu windows, %llu lost (stopped: %s)\n",
			     static_cast<unsigned long long>(sum->windows),
			     static_cast<unsigned long long>(sum->lost), describe(sum->stop_reason).c_str());
		if (sum->exit_code != 0)
			throw CLI::RuntimeError(sum->exit_code);
	});
}

}  // namespace xpu::cmd
