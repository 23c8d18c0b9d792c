#include "live/http_state.hpp"

#include <fmt/format.h>

#include "output/writer_table.hpp"

namespace xpu {

namespace {

// Windows of layer split kept for the chart of a page opened late.
constexpr size_t kHistory = 300;

}  // namespace

LiveState::LiveState(LiveControls initial) : controls_(std::move(initial)) {}

void LiveState::publish(LiveSnapshot s)
{
	auto snap = std::make_shared<const LiveSnapshot>(std::move(s));
	std::lock_guard render(render_mu_);
	LiveControls c;
	{
		std::lock_guard lock(mu_);
		latest_ = snap;
		history_.push_back({snap->index, snap->end, snap->split});
		if (history_.size() > kHistory)
			history_.pop_front();
		if (controls_.paused)
			return;
		shown_ = snap;
		c = controls_;
	}
	render_locked_out(snap, c);
}

void LiveState::render_locked_out(std::shared_ptr<const LiveSnapshot> s, const LiveControls &c)
{
	if (!s)
		return;
	// Controls are checked when they are set: a filter that fails here is
	// a bug, shown as an empty view rather than a dead stream.
	auto tree = view_tree(*s, c);
	if (!tree)
		tree = StackTree();
	std::string data = window_event_json(*s, c, *tree, unix_seconds());
	push_event("window", std::move(data));
}

void LiveState::push_event(std::string name, std::string data)
{
	std::lock_guard lock(mu_);
	if (finished_)
		return;
	event_ = {event_.seq + 1, std::move(name),
		  std::make_shared<const std::string>(std::move(data))};
	changed_.notify_all();
}

void LiveState::finish(const std::string &reason)
{
	std::lock_guard render(render_mu_);
	push_event("end", fmt::format("{{\"reason\":{}}}", json_string(reason)));
	std::lock_guard lock(mu_);
	finished_ = true;
	end_reason_ = reason;
	changed_.notify_all();
}

std::chrono::milliseconds LiveState::interval() const
{
	std::lock_guard lock(mu_);
	return controls_.interval;
}

LiveControls LiveState::controls() const
{
	std::lock_guard lock(mu_);
	return controls_;
}

Result<void> LiveState::set_controls(const std::vector<std::pair<std::string, std::string>> &params)
{
	std::lock_guard render(render_mu_);
	LiveControls c;
	std::shared_ptr<const LiveSnapshot> s;
	{
		std::lock_guard lock(mu_);
		c = controls_;
		if (auto r = apply_control_params(c, params); !r)
			return r;
		controls_ = c;
		s = shown_;
	}
	render_locked_out(s, c);
	return {};
}

void LiveState::set_paused(bool paused)
{
	std::lock_guard render(render_mu_);
	LiveControls c;
	std::shared_ptr<const LiveSnapshot> s;
	{
		std::lock_guard lock(mu_);
		if (controls_.paused == paused)
			return;
		controls_.paused = paused;
		if (!paused)
			shown_ = latest_;  // the newest window, at once
		c = controls_;
		s = shown_;
	}
	render_locked_out(s, c);
}

std::shared_ptr<const LiveSnapshot> LiveState::shown() const
{
	std::lock_guard lock(mu_);
	return shown_;
}

std::optional<LiveState::Event> LiveState::next_event(uint64_t after,
						       std::chrono::milliseconds timeout)
{
	std::unique_lock lock(mu_);
	changed_.wait_for(lock, timeout, [&] { return event_.seq > after || finished_; });
	if (event_.seq > after)
		return event_;
	return std::nullopt;
}

bool LiveState::finished() const
{
	std::lock_guard lock(mu_);
	return finished_;
}

bool LiveState::open_stream(size_t max)
{
	std::lock_guard lock(mu_);
	if (streams_ >= max || finished_)
		return false;
	streams_++;
	return true;
}

void LiveState::close_stream()
{
	std::lock_guard lock(mu_);
	if (streams_ > 0)
		streams_--;
}

size_t LiveState::streams() const
{
	std::lock_guard lock(mu_);
	return streams_;
}

std::string LiveState::state_json() const
{
	std::lock_guard lock(mu_);
	std::string json = fmt::format("{{\"controls\":{},\"window\":{},\"latest\":{},\"streams\":{},"
				       "\"finished\":{},\"end_reason\":{},",
				       controls_json(controls_), shown_ ? shown_->index : 0,
				       latest_ ? latest_->index : 0, streams_, finished_,
				       json_string(end_reason_));
	if (shown_) {
		const LiveHealth &h = shown_->health;
		json += fmt::format("\"health\":{{\"freq\":{},\"lost\":{},\"lost_total\":{},"
				    "\"with_user\":{:.1f},\"rooted\":{:.1f},\"truncated\":{:.1f}}},",
				    h.freq, h.lost, h.lost_total, h.with_user, h.rooted, h.truncated);
	}
	json += "\"history\":[";
	bool first = true;
	for (const auto &p : history_) {
		json += fmt::format("{}{{\"window\":{},\"end\":{:.3f},\"oncpu\":{},\"offcpu\":{},"
				    "\"gpu\":{}}}",
				    first ? "" : ",", p.index, p.end, p.split.oncpu, p.split.offcpu,
				    p.split.gpu);
		first = false;
	}
	return json + "]}";
}

}  // namespace xpu
