// `live --http`: the state the sampling loop and the HTTP handlers share.
// The sampling loop (main thread) publishes each window as an immutable
// snapshot; handlers read the snapshot being shown and change the controls,
// and never touch BPF. Each change (a new window shown, a control set)
// renders one event, once, for every client of the stream: a client that
// is slow skips to the newest event instead of queueing old ones, so
// memory does not grow with clients or with time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "live/http_view.hpp"

namespace xpu {

class LiveState {
public:
	explicit LiveState(LiveControls initial);

	// --- the sampling loop ---
	// A window ended. While paused it is kept (downloads and the session
	// view still grow) but not shown; resume shows the newest.
	void publish(LiveSnapshot s);
	// The session is over: streams get an "end" event and close.
	void finish(const std::string &reason);
	std::chrono::milliseconds interval() const;

	// --- handlers ---
	LiveControls controls() const;
	// Changes the controls (apply_control_params) and re-renders the shown
	// window with them at once.
	Result<void> set_controls(const std::vector<std::pair<std::string, std::string>> &params);
	void set_paused(bool paused);
	// The snapshot being shown; null before the first window.
	std::shared_ptr<const LiveSnapshot> shown() const;

	struct Event {
		uint64_t seq = 0;
		std::string name;  // "window" or "end"
		std::shared_ptr<const std::string> data;  // one line of JSON
	};
	// The newest event after `after` (0: any), waiting up to `timeout`;
	// nothing when none came.
	std::optional<Event> next_event(uint64_t after, std::chrono::milliseconds timeout);
	bool finished() const;

	// Event-stream clients: open_stream refuses past `max`.
	bool open_stream(size_t max);
	void close_stream();
	size_t streams() const;

	// GET /api/state: controls, the shown window's number and health, the
	// layer split of the last windows (for the chart), the stream count.
	std::string state_json() const;

private:
	void render_locked_out(std::shared_ptr<const LiveSnapshot> s, const LiveControls &c);
	void push_event(std::string name, std::string data);

	mutable std::mutex mu_;
	std::mutex render_mu_;  // one render at a time, in order
	std::condition_variable changed_;
	LiveControls controls_;
	std::shared_ptr<const LiveSnapshot> latest_, shown_;
	struct SplitPoint {
		uint64_t index;
		double end;
		LayerTotals split;
	};
	std::deque<SplitPoint> history_;
	Event event_;
	bool finished_ = false;
	std::string end_reason_;
	size_t streams_ = 0;
};

inline double unix_seconds()
{
	return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
		.count();
}

}  // namespace xpu
