// What `top` shows, apart from how: rows of functions (or libraries,
// processes, stacks) with their share of the last refresh interval and a
// decayed long-run share, and the callers and callees of one function over
// the whole session. Fed one window profile per refresh; the window's root
// frames must be "comm-PID" (StackLayout::pid_prefix).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "profile/profile.hpp"
#include "live/window_stats.hpp"

namespace xpu {

enum class TopSort { symbol, total, dso, comm, pid, stack };
const char *to_string(TopSort s);
TopSort next_sort(TopSort s);  // the `s` key's cycle
bool parse_top_sort(std::string_view name, TopSort &out);

struct TopRow {
	std::string name;
	double self = 0;      // weight in the last interval with it as the leaf
	double total = 0;     // weight in the last interval through it
	double decayed = 0;   // long-run share (0..1) of what the sort ranks
};

struct TopRelations {
	std::string function;
	double self = 0, total = 0, session = 0;  // session weights
	std::vector<std::pair<std::string, double>> callers;  // heaviest first
	std::vector<std::pair<std::string, double>> callees;
};

class TopModel {
public:
	// Each refresh multiplies the older weights by `decay` (perf top: 7/8).
	explicit TopModel(double decay = 0.875) : decay_(decay) {}

	// One refresh interval: the window's stacks and, for --sort dso, the
	// on-CPU samples per library of the sampled leaf.
	void add_window(const Profile &window, const std::map<std::string, double> &modules);

	// Rows for `sort`, keeping those whose name holds `filter` (case-
	// insensitive; empty keeps all), ranked by decayed share, then by name.
	std::vector<TopRow> rows(TopSort sort, const std::string &filter) const;

	TopRelations relations(const std::string &function) const;

	const LayerTotals &window_totals() const { return window_totals_; }
	const LayerTotals &session_totals() const { return session_totals_; }
	size_t windows() const { return windows_; }
	size_t session_stacks() const { return session_.size(); }

private:
	struct Cell {
		double self = 0, total = 0;      // last window
		double dself = 0, dtotal = 0;    // decayed
	};
	using Table = std::unordered_map<std::string, Cell>;
	void age(Table &t);

	double decay_;
	size_t windows_ = 0;
	LayerTotals window_totals_, session_totals_;
	std::map<TopSort, Table> tables_;
	Profile session_;  // every stack seen, for callers and callees
};

// "comm-PID" -> ("comm", "PID"); a name without a numeric suffix is all comm.
std::pair<std::string, std::string> split_process_frame(std::string_view frame);

}  // namespace xpu
