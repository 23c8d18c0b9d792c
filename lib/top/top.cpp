#include "top/top.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include <fmt/format.h>

#include "session/profile_session.hpp"
#include "base/terminal.hpp"
#include "top/top_render.hpp"

namespace xpu {

namespace {

using Clock = ProfileSession::Clock;

// Keys are read this often between refreshes.
constexpr auto kKeyPoll = std::chrono::milliseconds(50);

std::string target_text(const RecordConfig &c)
{
	if (!c.command.empty())
		return "command " + c.command[0];
	if (!c.pids.empty()) {
		std::string s = c.pids.size() == 1 ? "pid" : "pids";
		for (size_t i = 0; i < c.pids.size(); i++)
			s += (i ? "," : " ") + std::to_string(c.pids[i]);
		return s;
	}
	return "all processes";
}

enum class KeyResult { none, redraw, quit };

// What a key does to the view; the model is only read (Enter expands the
// selected row's function).
KeyResult handle_key(const KeyPress &k, TopView &v, const TopModel &m)
{
	if (v.editing) {
		switch (k.key) {
		case Key::enter:
			v.filter = v.edit;
			v.editing = false;
			v.selected = v.scroll = 0;
			return KeyResult::redraw;
		case Key::escape: v.editing = false; return KeyResult::redraw;
		case Key::backspace:
			if (!v.edit.empty())
				v.edit.pop_back();
			return KeyResult::redraw;
		case Key::ch: v.edit += k.ch; return KeyResult::redraw;
		default: return KeyResult::none;
		}
	}
	if (k.key == Key::ch) {
		switch (k.ch) {
		case 'q': return KeyResult::quit;
		case 'p': v.paused = !v.paused; return KeyResult::redraw;
		case 's':
			v.sort = next_sort(v.sort);
			v.selected = v.scroll = 0;
			v.expanded = false;
			return KeyResult::redraw;
		case '/':
			v.editing = true;
			v.edit = v.filter;
			return KeyResult::redraw;
		case 'k': v.selected = v.selected ? v.selected - 1 : 0; return KeyResult::redraw;
		case 'j': v.selected++; return KeyResult::redraw;
		}
		return KeyResult::none;
	}
	if (v.expanded) {
		if (k.key == Key::escape || k.key == Key::enter || k.key == Key::left) {
			v.expanded = false;
			return KeyResult::redraw;
		}
		return KeyResult::none;
	}
	switch (k.key) {
	case Key::up: v.selected = v.selected ? v.selected - 1 : 0; return KeyResult::redraw;
	case Key::down: v.selected++; return KeyResult::redraw;
	case Key::page_up: v.selected = v.selected > 10 ? v.selected - 10 : 0; return KeyResult::redraw;
	case Key::page_down: v.selected += 10; return KeyResult::redraw;
	case Key::home: v.selected = 0; return KeyResult::redraw;
	case Key::escape:
		if (v.filter.empty())
			return KeyResult::none;
		v.filter.clear();
		return KeyResult::redraw;
	case Key::enter:
	case Key::right: {
		if (v.sort != TopSort::symbol && v.sort != TopSort::total)
			return KeyResult::none;  // callers/callees are a function's
		auto rows = m.rows(v.sort, v.filter);
		if (v.selected < rows.size()) {
			v.expanded = true;
			v.expanded_name = rows[v.selected].name;
		}
		return KeyResult::redraw;
	}
	default: return KeyResult::none;
	}
}

}  // namespace

Result<TopSummary> run_top(const TopConfig &cfg)
{
	RecordConfig rec = cfg.rec;
	rec.pid_prefix = true;  // rows by pid need it; TopModel strips it for the rest
	rec.output = "-";       // a launched command's output goes to stderr
	ProfileSession session(rec, true);
	if (auto r = session.open(); !r)
		return std::unexpected(r.error());

	std::optional<Terminal> term =
		cfg.batch ? std::nullopt : Terminal::open(STDIN_FILENO, STDOUT_FILENO);
	TopModel model;
	TopView view;
	view.sort = cfg.sort;
	TopHeader header{.freq = session.freq(), .event = session.event_name(),
			 .target = target_text(rec), .window_s = cfg.delay.count() / 1000.0,
			 .offcpu = session.offcpu()};
	TopSummary sum;
	const auto t0 = Clock::now();
	auto last_refresh = t0;
	auto next_refresh = t0 + cfg.delay;
	int last_rows = 0, last_cols = 0;
	auto draw = [&] {
		if (term) {
			last_rows = term->rows();
			last_cols = term->cols();
			term->draw(render_top_screen(model, view, header, last_rows, last_cols));
		}
	};
	// One refresh: the window's counts into the model, and a snapshot
	// printed in batch mode.
	auto refresh = [&](Clock::time_point now) -> Result<void> {
		auto set = session.take_window();
		if (!set)
			return std::unexpected(set.error());
		if (!view.paused) {  // paused: the screen holds still, windows pass by
			if (!cfg.comm.empty()) {
				std::erase_if(set->events,
					      [&](const Event &e) { return e.where.comm != cfg.comm; });
			}
			model.add_window(session.build(*set), session.leaf_modules(*set));
			header.window_s = std::chrono::duration<double>(now - last_refresh).count();
			header.session_s = std::chrono::duration<double>(now - t0).count();
			header.lost = session.stats().lost();
		}
		last_refresh = now;
		sum.refreshes++;
		if (!term) {
			std::string snap = render_top_batch(model, view, header, cfg.rows);
			std::fputs((snap + "\n").c_str(), stdout);
			std::fflush(stdout);
		}
		return {};
	};
	draw();
	while (true) {
		auto until = term ? std::min(next_refresh, Clock::now() + kKeyPoll) : next_refresh;
		auto r = session.run_until(until);
		if (!r)
			return std::unexpected(r.error());
		if (*r) {
			sum.stop_reason = **r;
			// What the target did since the last refresh (its GPU work
			// arrives at its exit) is shown, not dropped.
			if (sum.stop_reason.kind == StopKind::target_exited) {
				if (auto r2 = refresh(Clock::now()); !r2)
					return std::unexpected(r2.error());
			}
			break;
		}
		bool redraw = false, quit = false;
		if (term) {
			for (const KeyPress &k : term->read_keys()) {
				KeyResult kr = handle_key(k, view, model);
				quit = quit || kr == KeyResult::quit;
				redraw = redraw || kr == KeyResult::redraw;
			}
			redraw = redraw || term->rows() != last_rows || term->cols() != last_cols;
		}
		if (quit) {
			sum.stop_reason = {StopKind::quit};
			break;
		}
		auto now = Clock::now();
		if (now >= next_refresh) {
			if (auto r2 = refresh(now); !r2)
				return std::unexpected(r2.error());
			next_refresh += cfg.delay;
			if (next_refresh < now)
				next_refresh = now + cfg.delay;
			redraw = redraw || term.has_value();
			if (cfg.iterations && sum.refreshes >= cfg.iterations) {
				sum.stop_reason = {StopKind::iterations};
				if (redraw)
					draw();
				break;
			}
		}
		if (redraw)
			draw();
	}
	if (term) {
		// The shell's screen back; when the target ended by itself, its
		// last picture stays readable there.
		term.reset();
		if (sum.stop_reason.kind != StopKind::quit && sum.refreshes > 0)
			std::fputs(render_top_batch(model, view, header, cfg.rows).c_str(), stdout);
	}
	if (auto r = session.stop(); !r)
		return std::unexpected(r.error());
	sum.exit_code = end_session(session, sum.stop_reason, CommandStatus::ignored).exit_code;
	return sum;
}

}  // namespace xpu
