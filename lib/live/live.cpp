#include "live/live.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "live/http_server.hpp"
#include "live/http_state.hpp"
#include "live/timeline_json.hpp"
#include "base/log.hpp"
#include "session/profile_session.hpp"
#include "profile/stack_tree.hpp"
#include "output/writer_folded.hpp"
#include "output/writer_table.hpp"

namespace xpu {

namespace {

double unix_now()
{
	return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
		.count();
}

// The smallest share of the window a tree line stands for.
constexpr double kTreeMinShare = 0.01;

void tree_lines(const StackTree &t, StackTree::NodeId id, int depth, double total,
		std::vector<std::string> &out, size_t max_lines, int cols)
{
	auto span = t.children(id);
	std::vector<StackTree::NodeId> kids(span.begin(), span.end());
	std::sort(kids.begin(), kids.end(), [&](auto a, auto b) {
		return t.node(a).total > t.node(b).total;
	});
	for (auto kid : kids) {
		const auto &n = t.node(kid);
		if (out.size() >= max_lines || n.total < kTreeMinShare * total)
			return;
		std::string line = fmt::format("{:6.1f}%  {:{}}{}", 100 * n.total / total, "",
					       std::min(depth, cols / 3) * 2, t.name(kid));
		if (static_cast<int>(line.size()) > cols)
			line.resize(static_cast<size_t>(std::max(cols, 0)));
		out.push_back(std::move(line));
		tree_lines(t, kid, depth + 1, total, out, max_lines, cols);
	}
}

}  // namespace

void write_window_folded(const LiveWindow &w, std::FILE *out)
{
	std::fprintf(out, "# xpu-perf live window=%llu start=%.3f end=%.3f\n",
		     static_cast<unsigned long long>(w.index), w.start, w.end);
	(void)write_folded(*w.profile, out);
	std::fflush(out);
}

void write_window_json(const LiveWindow &w, size_t top, std::FILE *out)
{
	StackTree tree = stack_tree(*w.profile);
	LayerTotals t = layer_totals(tree);
	std::string json = fmt::format(
		"{{\"window\":{},\"start\":{:.3f},\"end\":{:.3f},\"freq\":{},\"total\":{},"
		"\"oncpu\":{},\"offcpu\":{},\"gpu\":{},\"stacks\":{},\"lost\":{},\"top\":[",
		w.index, w.start, w.end, w.freq, t.total, t.oncpu, t.offcpu, t.gpu,
		w.profile->size(), w.lost);
	bool first = true;
	for (const FunctionStats &f : top_functions(tree, top)) {
		double self_pct = t.total > 0 ? 100 * f.self / t.total : 0;
		double total_pct = t.total > 0 ? 100 * f.total / t.total : 0;
		json += fmt::format("{}{{\"name\":{},\"self\":{},\"total\":{},\"self_pct\":{:.2f},"
				    "\"total_pct\":{:.2f}}}",
				    first ? "" : ",", json_string(f.name), f.self, f.total, self_pct,
				    total_pct);
		first = false;
	}
	json += "]}\n";
	std::fputs(json.c_str(), out);
	std::fflush(out);
}

std::vector<std::string> window_tree_lines(const LiveWindow &w, int rows, int cols)
{
	StackTree tree = stack_tree(*w.profile);
	LayerTotals t = layer_totals(tree);
	std::vector<std::string> out;
	out.push_back(fmt::format("xpu-perf live  window {}  {:.1f} s  {:.0f} samples "
				  "(on-CPU {:.0f}, off-CPU {:.0f}, GPU {:.0f})  lost {}",
				  w.index, w.end - w.start, t.total, t.oncpu, t.offcpu, t.gpu, w.lost));
	out.push_back("");
	if (t.total <= 0) {
		out.push_back("  (nothing sampled in this window)");
		return out;
	}
	size_t max_lines = static_cast<size_t>(std::max(rows - 1, 3));
	tree_lines(tree, StackTree::root_id, 0, t.total, out, max_lines, cols);
	return out;
}

namespace {

struct TermSize {
	int rows = 24, cols = 80;
};

TermSize terminal_size(int fd)
{
	winsize ws{};
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		return {ws.ws_row, ws.ws_col};
	return {};
}

void draw_tree(const LiveWindow &w, std::FILE *out)
{
	TermSize ts = terminal_size(fileno(out));
	std::string screen = "\x1b[H\x1b[2J";
	for (const auto &line : window_tree_lines(w, ts.rows - 1, ts.cols))
		screen += line + "\n";
	std::fputs(screen.c_str(), out);
	std::fflush(out);
}

// The web side of a session: the state the page reads and the server.
// However the session ends, the streams are told (finish) before the
// server stops, so no client waits for a window that will not come.
struct HttpSide {
	std::unique_ptr<LiveState> state;
	std::unique_ptr<HttpServer> server;
	std::shared_ptr<const Profile> session = std::make_shared<Profile>();
	std::string end_reason = "error";
	// The GPU timeline of the last windows, one JSON object each (empty
	// until the first window with GPU work): what the page's timeline view
	// draws. Bounded: windows kept, events a window.
	static constexpr size_t kTimelineWindows = 10;
	static constexpr size_t kTimelineEvents = 5000;
	std::deque<std::string> timeline;

	void add_timeline(uint64_t window, const TraceInput &t)
	{
		if (timeline.empty() && t.gpu.empty() && t.calls.empty() && t.waits.empty())
			return;
		timeline.push_back(timeline_window_json(window, t, kTimelineEvents));
		while (timeline.size() > kTimelineWindows)
			timeline.pop_front();
	}

	~HttpSide()
	{
		if (state)
			state->finish(end_reason);
		if (server)
			server->stop();
	}

	Result<void> start(const LiveConfig &cfg)
	{
		LiveControls c;
		c.interval = cfg.interval;
		state = std::make_unique<LiveState>(c);
		auto s = start_http_server(*cfg.http, *state);
		if (!s)
			return std::unexpected(s.error());
		server = std::move(*s);
		if (cfg.on_serving)
			cfg.on_serving(server->url());
		return {};
	}

	void publish(const LiveWindow &w, Profile &&window, const StackQuality &q, uint64_t lost_total)
	{
		auto grown = std::make_shared<Profile>(*session);
		grown->merge(window);
		session = grown;
		LiveSnapshot s{.index = w.index,
			       .start = w.start,
			       .end = w.end,
			       .split = layer_totals(window),
			       .health = {.freq = w.freq,
					  .lost = w.lost,
					  .lost_total = lost_total,
					  .with_user = q.with_user,
					  .rooted = q.rooted,
					  .truncated = q.truncated_total()},
			       .window = std::make_shared<const Profile>(std::move(window)),
			       .session = session,
			       .timeline = nullptr};
		if (!timeline.empty()) {
			std::string json = "[";
			for (const auto &t : timeline)
				json += (json.size() > 1 ? "," : "") + t;
			s.timeline = std::make_shared<const std::string>(json + "]");
		}
		state->publish(std::move(s));
	}
};

}  // namespace

Result<LiveSummary> run_live(const LiveConfig &cfg)
{
	using Clock = ProfileSession::Clock;
	// Standard output carries the windows: the command's own output goes to
	// stderr, as with `record -o -`.
	RecordConfig rec = cfg.rec;
	rec.output = cfg.output;
	if (cfg.http) {
		rec.pid_prefix = true;  // the page filters by pid
		rec.timeline_windows = true;  // the page's GPU timeline
	}
	HttpSide http;
	ProfileSession session(rec, true);
	// Written in place, not renamed at the end: `tail -f` sees each window.
	std::unique_ptr<std::FILE, int (*)(std::FILE *)> file(nullptr, std::fclose);
	std::FILE *out = stdout;
	auto opened = session.open([&]() -> Result<void> {
		// Before anything privileged: a bad -o or a port in use is
		// reported first.
		if (cfg.http)
			if (auto r = http.start(cfg); !r)
				return r;
		if (cfg.output == "-")
			return {};
		file.reset(std::fopen(cfg.output.c_str(), "w"));
		if (!file)
			return sys_fail(ExitCode::output, errno, "cannot write '{}'", cfg.output);
		out = file.get();
		return {};
	});
	if (!opened)
		return std::unexpected(opened.error());

	LiveSummary sum;
	Profile cumulative;
	uint64_t lost_before = 0;
	double start = unix_now(), window_start = start;
	auto next = Clock::now() + cfg.interval;
	std::optional<StopReason> reason;
	while (true) {
		auto r = session.run_until(next);
		if (!r)
			return std::unexpected(r.error());
		reason = *r;
		if (reason) {  // the last window: what the sources still hold
			if (auto s = session.stop(); !s)
				return std::unexpected(s.error());
		} else if (cfg.windows && sum.windows + 1 >= cfg.windows) {
			reason = StopReason{StopKind::windows};
			if (auto s = session.stop(); !s)
				return std::unexpected(s.error());
		}
		auto set = session.take_window();
		if (!set)
			return std::unexpected(set.error());
		StackQuality quality;
		Profile window = session.build(*set, &quality);
		const Profile *shown = &window;
		if (cfg.cumulative) {
			cumulative.merge(window);
			shown = &cumulative;
		}
		uint64_t lost = session.stats().lost();
		LiveWindow w{.index = ++sum.windows,
			     .start = start,
			     .end = unix_now(),
			     .freq = session.freq(),
			     .lost = lost - lost_before,
			     .profile = shown};
		lost_before = lost;
		switch (cfg.format) {
		case LiveFormat::folded: write_window_folded(w, out); break;
		case LiveFormat::json: write_window_json(w, cfg.top, out); break;
		case LiveFormat::tree: draw_tree(w, out); break;
		case LiveFormat::none: break;
		}
		if (http.state) {
			http.add_timeline(w.index, session.take_trace_window(*set));
			LiveWindow own = w;  // the window itself, even with --cumulative
			own.start = window_start;
			http.publish(own, std::move(window), quality, lost);
		}
		window_start = w.end;
		if (!cfg.cumulative)
			start = w.end;
		if (reason)
			break;
		auto interval = http.state ? http.state->interval() : cfg.interval;
		next += interval;
		if (next < Clock::now())  // a slow window: skip ahead, don't burst
			next = Clock::now() + interval;
	}
	if (std::ferror(out))
		return sys_fail(ExitCode::output, EIO, "write the windows");
	sum.stop_reason = *reason;
	http.end_reason = describe(*reason);
	sum.lost = session.stats().lost();
	sum.exit_code = end_session(session, *reason, CommandStatus::ignored).exit_code;
	return sum;
}

}  // namespace xpu
