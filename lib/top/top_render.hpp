// `top`'s screens as text: the function table, the callers/callees pane of
// one function, and the plain snapshot printed when stdout is not a
// terminal (top -b). Pure functions of the model and the view state, so the
// tests can check them line by line.
#pragma once

#include <string>
#include <vector>

#include "top/top_model.hpp"

namespace xpu {

struct TopHeader {
	int freq = 99;
	std::string event;     // "cpu-clock"
	std::string target;    // "all processes", "pid 123", "command ./app"
	double window_s = 1;   // the last refresh interval
	double session_s = 0;
	uint64_t lost = 0;     // events dropped so far
	bool offcpu = false;   // off-CPU time is traced
};

struct TopView {
	TopSort sort = TopSort::symbol;
	std::string filter;
	bool paused = false;
	size_t selected = 0;       // row index in the filtered rows
	size_t scroll = 0;         // first row shown
	bool expanded = false;     // showing the callers/callees of `expanded_name`
	std::string expanded_name;
	bool editing = false;      // typing a filter after '/'
	std::string edit;          // the filter being typed
};

// The full screen, `rows` x `cols`, lines joined with '\n'. Adjusts
// view.scroll so that the selected row is visible.
std::string render_top_screen(const TopModel &m, TopView &view, const TopHeader &h, int rows,
			      int cols);

// A snapshot for logs and pipes: header, column titles and at most
// `max_rows` rows, lines ending in '\n'.
std::string render_top_batch(const TopModel &m, const TopView &view, const TopHeader &h,
			     size_t max_rows);

// The two header lines (shared by both).
std::vector<std::string> top_header_lines(const TopModel &m, const TopView &view,
					  const TopHeader &h);

}  // namespace xpu
