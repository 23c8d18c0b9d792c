// CI gates on a profile. An expression names a frame, a comparison and a
// threshold:
//
//   --fail-if 'FRAME>20%'           FRAME's total share of the (new) profile
//   --fail-if-growth 'FRAME>5pp'    its total share in NEW minus in BASE
//                                   (report --diff), in percentage points
//
// Operators: > >= < <=. The frame is everything before the last operator
// that is followed by a number and the unit, so C++ names with '<' and '>'
// work ('std::vector<int>::push_back>10%'); it must be the whole frame name
// (the table's Function column). A frame that is in neither profile has a
// share of 0, and a warning says so (a typo must not pass a gate silently).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "profile/stack_tree.hpp"

namespace xpu {

struct Gate {
	enum class Op { gt, ge, lt, le };
	std::string text;   // as given, for messages
	std::string frame;
	Op op = Op::gt;
	double value = 0;
	bool growth = false;  // pp of growth (needs a base), else % of the total
};

// ExitCode::usage with the reason for an expression that does not parse.
Result<Gate> parse_gate(std::string_view expr, bool growth);

struct GateOutcome {
	bool violated = false;
	std::string message;  // one line: why it failed, or a warning
	bool unknown_frame = false;
};

// `base` is null unless diffing (then growth gates can be checked).
GateOutcome check_gate(const Gate &g, const StackTree &neu, const StackTree *base);

}  // namespace xpu
