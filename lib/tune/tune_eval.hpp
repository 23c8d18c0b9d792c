// Evaluates tune rules against the evidence of one profile: its folded
// stacks (metrics by frame regex, layer totals) plus facts (counters,
// system facts) that did not come from stacks. A rule whose condition is
// true becomes a Finding, with the numbers behind it and its top stacks.
//
// Values can be absent (no wall time for --input, no cpufreq, no GPU in the
// profile): a comparison with an absent value is neither true nor false,
// so the rule does not fire, and the finding list says why it was skipped.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "profile/profile.hpp"
#include "profile/profile_builder.hpp"
#include "tune/tune_rule.hpp"

namespace xpu::tune {

struct Value {
	enum class Kind { absent, number, string };
	enum class Unit { plain, share, count, rate, seconds };
	Kind kind = Kind::absent;
	Unit unit = Unit::plain;
	double num = 0;
	std::string str;  // a string value, or why the value is absent

	static Value number(double v, Unit u = Unit::plain) { return {Kind::number, u, v, {}}; }
	static Value string(std::string s) { return {Kind::string, Unit::plain, 0, std::move(s)}; }
	static Value absent(std::string why) { return {Kind::absent, Unit::plain, 0, std::move(why)}; }
	bool present() const { return kind != Kind::absent; }
};

// "23.4%", "51234/s", "3", "\"madvise\"", "absent (no cpufreq)".
std::string to_string(const Value &v);

// What the rules read. Facts override metrics of the same name (with no
// arguments): counters ("page_faults"), system facts ("thp", "nr_cpus"),
// "gpu_busy_s" from a merged GPU timeline; "sysctl:NAME" overrides a sysctl
// read.
struct Evidence {
	const Profile *profile = nullptr;
	int freq = 99;                    // weight units per second of time
	std::optional<double> wall_s;     // how long the profile ran
	std::map<std::string, Value> facts;
	bool read_sysctls = true;         // sysctl("x") reads /proc/sys when not a fact
	bool offcpu_profiled = true;      // false: off-CPU metrics are absent, not 0
	// The network layer's stacks with bytes and calls (nullptr or empty:
	// no network layer, and its metrics are absent). Never in `profile`.
	const std::vector<NetStackCount> *net = nullptr;
};

// A send under this many bytes on average is a small write (the
// small_sends_per_s metric, the small-writes rule): below a TCP segment's
// worth of headers, each costs a system call and often a packet.
inline constexpr double kSmallSendBytes = 100;

// One metric call of a condition, with the value it had.
struct Reading {
	std::string metric;  // "share(frame =~ \"^malloc$\")"
	Value value;
};

struct TopStack {
	std::string stack;
	double share = 0;  // of the profile's total weight; of all sends for a network stack
};

struct Finding {
	const Rule *rule = nullptr;
	double impact = 0;              // estimated share of time at stake, 0..1
	std::vector<Reading> readings;  // every metric the condition read
	std::vector<TopStack> stacks;   // the heaviest stacks behind its first stack metric
};

struct Skipped {
	const Rule *rule = nullptr;
	std::string why;  // "thp is absent (...)"
};

struct Evaluation {
	std::vector<Finding> findings;  // by impact, largest first; ties by rule order
	std::vector<Skipped> skipped;   // rules that could not be decided
};

// Evaluates every rule. `top_stacks` per finding (0: none).
Evaluation evaluate(const std::vector<Rule> &rules, const Evidence &ev, size_t top_stacks = 3);

// One expression's value (for tests and --verify's objective).
Value evaluate_expr(const Expr &e, const Evidence &ev);

// A rule's impact on this evidence, whether or not it fires: its impact
// expression, else the left side of its first comparison when that is a
// share (0 otherwise), clamped to 0..1.
double impact_of(const Rule &rule, const Evidence &ev);

// Parses a --fact value: a number ("12", "15%") or else a string.
Value fact_value(const std::string &text);

}  // namespace xpu::tune
