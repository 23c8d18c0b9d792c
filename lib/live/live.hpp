// `live`: a rolling profile. Every interval the window's folded stacks (or
// a JSON summary of it) go to the output and are flushed, so a script or a
// pipe sees each window as it ends; on a terminal, a compact text tree of
// the hottest paths is redrawn instead. With `http`, the windows are also
// served as a live web page (http_server.hpp) from the same loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "session/config.hpp"
#include "session/session_end.hpp"
#include "base/error.hpp"
#include "live/http_options.hpp"
#include "profile/profile.hpp"
#include "live/window_stats.hpp"

namespace xpu {

enum class LiveFormat { folded, json, tree, none };  // none: only the web page

struct LiveConfig {
	RecordConfig rec;  // target, layers, stacks; rec.output is not used
	std::chrono::milliseconds interval{1000};
	uint64_t windows = 0;     // stop after this many; 0: when the target ends
	bool cumulative = false;  // each window shows everything since the start
	LiveFormat format = LiveFormat::folded;
	std::string output = "-";  // "-" = stdout
	size_t top = 10;           // functions per JSON window
	// --http: serve the page; the interval is then the page's to change.
	std::optional<HttpOptions> http;
	// Called once the server listens, with its URL (cmd/ prints it).
	std::function<void(const std::string &url)> on_serving;
};

struct LiveSummary {
	uint64_t windows = 0;
	StopReason stop_reason;
	uint64_t lost = 0;
	int exit_code = 0;  // as record's: 128+N after a signal, else 0
};

Result<LiveSummary> run_live(const LiveConfig &cfg);

// What one window is, for the writers below.
struct LiveWindow {
	uint64_t index = 0;        // 1-based
	double start = 0, end = 0;  // Unix time, seconds
	int freq = 99;
	uint64_t lost = 0;         // events dropped during the window
	const Profile *profile = nullptr;
};

// "# xpu-perf live window=N start=S end=E\n" then the folded stacks.
void write_window_folded(const LiveWindow &w, std::FILE *out);
// One line of JSON: see xpu-perf-live(1) for the fields.
void write_window_json(const LiveWindow &w, size_t top, std::FILE *out);
// The text tree for a terminal `rows` high and `cols` wide, one string a line.
std::vector<std::string> window_tree_lines(const LiveWindow &w, int rows, int cols);

}  // namespace xpu
