#include "report/report_gate.hpp"

#include <charconv>
#include <cmath>
#include <regex>

#include <fmt/format.h>

namespace xpu {

namespace {

std::string_view trim(std::string_view s)
{
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
		s.remove_prefix(1);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
		s.remove_suffix(1);
	return s;
}

// The total weight of stacks through `frame` (recursion counted once), or
// nullopt when no frame has that name.
std::optional<double> total_of(const StackTree &t, const std::string &frame)
{
	FrameId id = t.frames().find(frame);
	if (id == FrameTable::none())
		return std::nullopt;
	for (const auto &f : function_stats(t))
		if (f.name == frame)
			return f.total;
	return std::nullopt;  // interned but not in the tree (the root "all")
}

double share(const StackTree &t, std::optional<double> w)
{
	return w && t.total() > 0 ? 100 * *w / t.total() : 0.0;
}

bool holds(double v, Gate::Op op, double limit)
{
	switch (op) {
	case Gate::Op::gt:
		return v > limit;
	case Gate::Op::ge:
		return v >= limit;
	case Gate::Op::lt:
		return v < limit;
	case Gate::Op::le:
		return v <= limit;
	}
	return false;
}

}  // namespace

Result<Gate> parse_gate(std::string_view expr, bool growth)
{
	const char *flag = growth ? "--fail-if-growth" : "--fail-if";
	const char *unit = growth ? "pp" : "%";
	const char *example = growth ? "'FRAME>5pp'" : "'FRAME>20%'";
	// Greedy on the frame: the last operator that is followed by a number
	// and a unit is the comparison.
	static const std::regex greedy(
		R"(^(.*)(>=|<=|>|<)\s*([+-]?[0-9]+(?:\.[0-9]*)?)\s*(%|pp)\s*$)");
	std::string s(expr);
	std::smatch m;
	if (!std::regex_match(s, m, greedy))
		return fail(ExitCode::usage, "{}: cannot read '{}' (want {})", flag, expr, example);
	Gate g;
	g.text = s;
	std::string op = m[2].str();
	std::string frame(trim(m[1].str()));
	if (frame.empty())
		return fail(ExitCode::usage, "{}: no frame in '{}' (want {})", flag, expr, example);
	if (m[4].str() != unit)
		return fail(ExitCode::usage, "{}: '{}' must end in {} (want {})", flag, expr, unit,
			    example);
	g.frame = frame;
	g.op = op == ">" ? Gate::Op::gt : op == ">=" ? Gate::Op::ge : op == "<" ? Gate::Op::lt
										 : Gate::Op::le;
	std::string num = m[3].str();
	if (num.ends_with('.'))
		num.pop_back();
	if (num.starts_with('+'))
		num.erase(0, 1);
	auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), g.value);
	if (ec != std::errc() || end != num.data() + num.size())
		return fail(ExitCode::usage, "{}: bad number in '{}'", flag, expr);
	if (!growth && (g.value < 0 || g.value > 100))
		return fail(ExitCode::usage, "{}: '{}': a share is between 0% and 100%", flag, expr);
	g.growth = growth;
	return g;
}

GateOutcome check_gate(const Gate &g, const StackTree &neu, const StackTree *base)
{
	GateOutcome out;
	auto n = total_of(neu, g.frame);
	double now = share(neu, n);
	if (!g.growth) {
		out.unknown_frame = !n;
		if (holds(now, g.op, g.value)) {
			out.violated = true;
			out.message = fmt::format("--fail-if '{}': '{}' is {:.2f}% of the total", g.text,
						  g.frame, now);
		} else if (!n) {
			out.message = fmt::format("--fail-if '{}': no frame named '{}' in the profile "
						  "(its share is 0%)",
						  g.text, g.frame);
		}
		return out;
	}
	auto b = base ? total_of(*base, g.frame) : std::nullopt;
	double was = base ? share(*base, b) : 0;
	double growth = now - was;
	out.unknown_frame = !n && !b;
	if (holds(growth, g.op, g.value)) {
		out.violated = true;
		out.message = fmt::format("--fail-if-growth '{}': '{}' went from {:.2f}% to {:.2f}% "
					  "of the total ({:+.2f} pp)",
					  g.text, g.frame, was, now, growth);
	} else if (out.unknown_frame) {
		out.message = fmt::format("--fail-if-growth '{}': no frame named '{}' in either "
					  "profile",
					  g.text, g.frame);
	}
	return out;
}

}  // namespace xpu
