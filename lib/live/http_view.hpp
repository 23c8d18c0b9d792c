// `live --http`: what the page shows, as data. A snapshot is one window as
// the sampling loop published it (immutable, shared between threads); the
// controls say how to look at it (which profile, which filter). Rendering
// turns the two into one JSON event, the same for every client of the
// stream, and the downloads into the report's own formats.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "profile/profile.hpp"
#include "report/report_filter.hpp"
#include "profile/stack_tree.hpp"
#include "live/window_stats.hpp"

namespace xpu {

enum class LiveView { current, session };  // the last window, or everything so far
const char *to_string(LiveView v);

struct LiveControls {
	bool paused = false;  // the page keeps showing the window it has
	std::chrono::milliseconds interval{1000};
	LiveView view = LiveView::current;
	FilterOptions filter;  // comms, pids, grep (the page's "regex") and layers
};

struct LiveHealth {
	int freq = 0;
	uint64_t lost = 0;        // events dropped in the window
	uint64_t lost_total = 0;  // since the start
	double with_user = 0;     // weight with user frames (StackQuality)
	double rooted = 0;        // of it, reaching a root frame
	double truncated = 0;     // of it, cut by the unwinder
};

struct LiveSnapshot {
	uint64_t index = 0;         // 1-based window number
	double start = 0, end = 0;  // Unix time of the window, seconds
	LayerTotals split;          // the window's weight by layer, unfiltered
	LiveHealth health;
	std::shared_ptr<const Profile> window;   // this window's stacks
	std::shared_ptr<const Profile> session;  // every window's, this one included
	// The GPU timeline of the last windows, a JSON array of
	// timeline_window_json objects; null when no GPU work was seen.
	std::shared_ptr<const std::string> timeline;
};

// Applies `p` (name=value pairs from a query string or form) to `c`:
//   interval=SECONDS (0.05 to 3600)  view=current|session
//   comm=NAME[,NAME]  pid=PID[,PID]  regex=REGEX  layers=cpu,offcpu,gpu
// An empty value clears that filter. Unknown names and bad values are
// usage errors, with `c` unchanged.
Result<void> apply_control_params(LiveControls &c,
				  const std::vector<std::pair<std::string, std::string>> &p);

// The profile the controls select, through their filter, as a tree.
Result<StackTree> view_tree(const LiveSnapshot &s, const LiveControls &c);

// The tree for d3-flame-graph: {"n":name,"v":total,"c":[children]}, children
// in byte order of names. Frames under `min_share` of the total, and any
// beyond `max_nodes`, are left out and counted in `elided`.
std::string flame_json(const StackTree &t, size_t max_nodes, double min_share, size_t *elided);

std::string controls_json(const LiveControls &c);

// The stream's "window" event: the snapshot's numbers and health, the
// controls, and the selected view's top functions and flame graph.
std::string window_event_json(const LiveSnapshot &s, const LiveControls &c, const StackTree &shown,
			      double published);

struct ProfileDownload {
	std::string body;
	std::string content_type;
	std::string filename;  // for Content-Disposition
};

// format: folded, svg or pprof (report's writers); anything else is a usage
// error. `title` goes into the SVG; `freq` (the session's) gives pprof its
// nanoseconds.
Result<ProfileDownload> export_view(const StackTree &t, std::string_view format, int freq,
				    const std::string &title);

}  // namespace xpu
