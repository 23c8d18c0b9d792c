// The rule language of `tune`: one rule per line,
//
//   [NAME:] CONDITION => ACTION [impact EXPR]
//
// CONDITION is an expression over the profile's metrics and the system's
// facts: numbers (15, 0.5, 15% = 0.15), strings ("always"), metric calls
// (share(frame =~ "^malloc$"), offcpu(state = "D"), page_faults_per_s,
// sysctl("vm.swappiness")), arithmetic (+ - * /), comparisons
// (> >= < <= == !=) and `and`, `or`, `not`. ACTION is `suggest KEY[(ARG)]`,
// `suggest "text"`, or `set KIND ARG` (sysctl NAME=VALUE, thp MODE, governor
// NAME, affinity CPUS, numa NODE, nice N, ioprio CLASS[,LEVEL]). See
// man/xpu-perf-tune.1 for the metrics and the actions.
//
// Parsing checks everything it can without a profile: metric names and
// their arguments, regexes, action kinds and values. Errors carry the
// 1-based column they point at.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace xpu::tune {

// One argument of a metric call: `frame =~ "re"`, `state = "D"`, or a bare
// string ("vm.swappiness").
struct Arg {
	std::string key;  // empty for a bare string
	std::string op;   // "=~", "!~", "=", or empty for a bare string
	std::string value;
	std::shared_ptr<const std::regex> re;  // for =~ and !~
	int col = 0;
};

struct Expr {
	enum class Op {
		number, string, call,  // leaves
		neg, not_,            // unary
		add, sub, mul, div,   // arithmetic
		lt, le, gt, ge, eq, ne,
		and_, or_,
	};
	Op op = Op::number;
	double num = 0;
	std::string str;        // string literal, or the metric's name
	std::vector<Arg> args;  // call
	std::vector<Expr> kids;
	int col = 0;            // where it starts in the rule text
};

struct Action {
	enum class Kind { suggest, sysctl, thp, governor, affinity, numa, nice, ioprio };
	Kind kind = Kind::suggest;
	std::string key;    // suggest: the advice's key ("preload", "pinned_memory", "text");
			    // sysctl: the name ("vm.dirty_background_ratio")
	std::string value;  // suggest: its argument ("jemalloc") or text; set: the new value
	int col = 0;
};

struct Rule {
	std::string name;  // "allocator", or "rule-N" when the rule has none
	std::string text;  // the line as written
	Expr cond;
	Action action;
	std::shared_ptr<Expr> impact;  // null: the left side of the first comparison
	std::string origin;            // "built-in:12", "FILE:3", "--rule"
};

// "suggest preload(jemalloc)", "set sysctl vm.dirty_background_ratio=5".
std::string to_string(const Action &a);
const char *kind_name(Action::Kind k);

// Parses one rule. Errors (ExitCode::usage) read "COL: message".
Result<Rule> parse_rule(std::string_view text);

// Parses a rules file: one rule per line; blank lines and lines starting
// with '#' are skipped. Errors read "ORIGIN:LINE:COL: message".
Result<std::vector<Rule>> parse_rules(std::string_view text, const std::string &origin);

// The text form of an expression, as the evidence prints it.
std::string to_string(const Expr &e);

// The metric names the language knows, for docs and tests.
const std::vector<std::string> &metric_names();

}  // namespace xpu::tune
