// `xpu-perf tune`: profile (or read a profile), evaluate the rules, print
// the findings with their evidence, and with --apply make the changes they
// name (journaled first), with --verify keep only those that measurably
// helped. --revert undoes what the journal holds.
#pragma once

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "session/config.hpp"
#include "base/error.hpp"
#include "tune/tune_actions.hpp"
#include "tune/tune_eval.hpp"

namespace xpu::tune {

struct TuneConfig {
	RecordConfig record;                   // the target: -p, -a, a command; --duration, -F
	std::string input;                     // --input FILE.folded instead of profiling
	std::optional<double> wall_s;          // --wall: the wall time of an --input profile
	std::vector<std::string> rules;        // --rule TEXT
	std::vector<std::string> rule_files;   // --rules FILE
	bool no_builtin = false;               // --no-builtin
	std::vector<std::string> facts;        // --fact NAME=VALUE
	std::string format = "text";           // --format text|json
	size_t top = 3;                        // --top: stacks per finding
	bool apply = false;                    // --apply
	bool verify = false;                   // --verify (implies --apply)
	std::string journal;                   // --journal (default: default_journal_path())
	std::string bench;                     // --bench CMD
	int runs = 5;                          // --runs
	double margin = 0.05;                  // --margin
	bool list_rules = false;               // --list-rules
};

// The rules a config asks for: built-in, --rules files, then --rule.
// Errors are usage errors pointing at the column ("rule:12: ...").
Result<std::vector<Rule>> load_rules(const TuneConfig &cfg);

// Everything; returns the exit code (0, or what went wrong applying).
Result<int> run_tune(const TuneConfig &cfg, std::FILE *out);

// tune --revert: restores every journal entry, newest first.
Result<int> run_revert(const std::string &journal_path, std::FILE *out);

// --- what is printed (tune_report.cpp) ------------------------------------

// Where a finding ended: a dry run stops at the first four (what it would
// do), --apply and --verify go on to the others.
enum class FindingStatus {
	advice,        // nothing to change: the action is advice
	would_change,  // a dry run's changes
	unchanged,     // the settings already have the values asked for
	refused,       // not allowed or not possible here (detail says why)
	applied,       // --apply made the changes
	kept,          // --verify: made, and they helped
	reverted,      // --verify: made, did not help, undone
	failed,        // making or undoing them failed (detail has the error)
};
std::string_view to_string(FindingStatus s);  // as printed: "would change"

enum class TuneMode { dry_run, apply, verify };
std::string_view to_string(TuneMode m);  // "dry run", "apply", "verify"

struct VerifyRow {
	double before = 0, after = 0;
	bool seconds = true;  // a bench's median wall time; else the finding's share
	std::string verdict;  // "kept", "reverted", "reverted (bench failed: exit 1)"
};

struct FindingResult {
	const Finding *finding = nullptr;
	Plan plan;
	FindingStatus status = FindingStatus::advice;
	std::string detail;  // the reason or error for refused/unchanged/failed
	std::optional<VerifyRow> verify;
};

struct TuneResult {
	TuneMode mode = TuneMode::dry_run;
	std::string source;     // "pid 1234", "./app", "all CPUs", "FILE"
	double weight = 0;      // the profile's total weight
	int freq = 99;
	std::optional<double> wall_s;
	std::map<std::string, Value> facts;
	std::vector<FindingResult> findings;
	std::vector<Skipped> skipped;
	std::string objective;  // --verify: what was measured
	std::string journal;
};

void print_text(const TuneResult &r, std::FILE *out);
void print_json(const TuneResult &r, std::FILE *out);

// "main;...;d;e;f": the root frame and the last `keep` frames.
std::string short_stack(const std::string &stack, size_t keep = 6);

}  // namespace xpu::tune
