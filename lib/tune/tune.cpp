#include "tune/tune.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

#include "base/log.hpp"
#include "session/process_launcher.hpp"
#include "tune/tune_builtin.hpp"
#include "tune/tune_facts.hpp"
#include "tune/tune_journal.hpp"
#include "tune/tune_observe.hpp"

namespace xpu::tune {

namespace {

bool has_target(const RecordConfig &r) { return !r.command.empty() || !r.pids.empty() || r.all_cpus; }

std::string source_text(const TuneConfig &cfg)
{
	if (!cfg.input.empty())
		return cfg.input;
	if (!cfg.record.command.empty()) {
		std::string s;
		for (const auto &a : cfg.record.command)
			s += (s.empty() ? "" : " ") + a;
		return s;
	}
	if (!cfg.record.pids.empty()) {
		std::string s;
		for (pid_t p : cfg.record.pids)
			s += (s.empty() ? "pid " : ",") + std::to_string(p);
		return s;
	}
	return "all CPUs";
}

Result<std::map<std::string, Value>> parse_facts(const std::vector<std::string> &facts)
{
	std::map<std::string, Value> out;
	for (const auto &f : facts) {
		size_t eq = f.find('=');
		if (eq == std::string::npos || eq == 0)
			return fail(ExitCode::usage, "--fact: expected NAME=VALUE, got '{}'", f);
		out[f.substr(0, eq)] = fact_value(f.substr(eq + 1));
	}
	return out;
}

// --- the objective of --verify ------------------------------------------------

// Runs argv once (with LD_PRELOAD=`preload` when given): its wall
// seconds, and its exit code in `exit_code` (127/126, as the shell's,
// when it cannot be run: the measurement is then invalid, not an error).
Result<double> run_once(const std::vector<std::string> &argv, int &exit_code,
			const std::string &preload = "")
{
	auto t0 = std::chrono::steady_clock::now();
	LaunchOptions opts;
	opts.argv = argv;
	opts.null_stdio = true;
	if (!preload.empty())
		opts.env.push_back("LD_PRELOAD=" + preload);
	auto cannot_run = [&](const Error &e) -> Result<double> {
		if (e.exit != ExitCode::not_found && e.exit != ExitCode::not_executable)
			return std::unexpected(e);
		exit_code = to_int(e.exit);
		return 0.0;
	};
	auto child = HeldProcess::spawn(opts);
	if (!child)
		return cannot_run(child.error());
	if (auto r = child->release(); !r)
		return cannot_run(r.error());
	auto status = child->wait();
	exit_code = status ? exit_code_of(*status) : 1;
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Bench {
	std::vector<std::string> argv;
	int runs = 5;
	std::string text;
};

// The median wall time of `runs` runs; a run that exits non-zero makes
// the measurement invalid (the exit code is returned in `failed_exit`).
Result<double> measure(const Bench &b, int &failed_exit, const std::string &preload = "")
{
	std::vector<double> t;
	failed_exit = 0;
	for (int i = 0; i < b.runs; i++) {
		int code = 0;
		auto s = run_once(b.argv, code, preload);
		if (!s)
			return std::unexpected(s.error());
		if (code != 0) {
			failed_exit = code;
			return 0.0;
		}
		t.push_back(*s);
	}
	std::sort(t.begin(), t.end());
	size_t n = t.size();
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

// Journals then makes each change of a plan; on a failure, undoes the
// ones made and drops their entries.
Result<void> apply_plan(const Plan &plan, const std::string &rule, Journal &journal)
{
	std::vector<JournalEntry> done;
	for (const auto &c : plan.changes) {
		JournalEntry e{c, rule, static_cast<long long>(std::time(nullptr))};
		std::fprintf(stderr, "xpu-perf: tune: changing %s\n", describe(c).c_str());
		if (auto r = journal.append(e); !r)
			return r;
		done.push_back(e);
		if (auto r = apply_change(c); !r) {
			for (auto it = done.rbegin(); it != done.rend(); ++it)
				(void)revert_change(it->change);
			(void)journal.remove(done);
			return r;
		}
	}
	return {};
}

Result<void> revert_plan(const Plan &plan, const std::string &rule, Journal &journal)
{
	std::vector<JournalEntry> entries;
	for (auto it = plan.changes.rbegin(); it != plan.changes.rend(); ++it) {
		std::fprintf(stderr, "xpu-perf: tune: reverting %s\n", describe(*it).c_str());
		auto r = revert_change(*it);
		if (!r)
			return std::unexpected(r.error());
	}
	// The entries to drop are those with these changes, whatever their time.
	auto all = journal.load();
	if (!all)
		return std::unexpected(all.error());
	for (const auto &e : *all)
		for (const auto &c : plan.changes)
			if (e.rule == rule && e.change.target == c.target && e.change.new_value == c.new_value &&
			    e.change.old_value == c.old_value && e.change.tid == c.tid)
				entries.push_back(e);
	return journal.remove(entries);
}

}  // namespace

Result<std::vector<Rule>> load_rules(const TuneConfig &cfg)
{
	std::vector<Rule> rules;
	if (!cfg.no_builtin) {
		auto b = parse_rules(kBuiltinRules, "built-in");
		if (!b)
			return fail(ExitCode::internal, "{}", b.error().msg);
		rules = std::move(*b);
	}
	for (const auto &path : cfg.rule_files) {
		std::ifstream f(path);
		if (!f)
			return sys_fail(ExitCode::usage, errno, "--rules: cannot read '{}'", path);
		std::stringstream ss;
		ss << f.rdbuf();
		auto r = parse_rules(ss.str(), path);
		if (!r)
			return std::unexpected(r.error());
		for (auto &x : *r)
			rules.push_back(std::move(x));
	}
	for (size_t i = 0; i < cfg.rules.size(); i++) {
		auto r = parse_rule(cfg.rules[i]);
		if (!r)
			return fail(ExitCode::usage, "rule:{}", r.error().msg);
		r->origin = "--rule";
		if (r->name.empty())
			r->name = fmt::format("rule-{}", i + 1);
		rules.push_back(std::move(*r));
	}
	return rules;
}

namespace {

// --- run_tune's steps, in order ----------------------------------------------

// Flag combinations that cannot work, before anything is read or profiled.
Result<void> check_flags(const TuneConfig &cfg)
{
	if (!cfg.input.empty() && has_target(cfg.record))
		return fail(ExitCode::usage, "--input reads a profile: no -p, -a or command with it");
	if (cfg.format != "text" && cfg.format != "json")
		return fail(ExitCode::usage, "--format is text or json");
	if (cfg.runs < 1)
		return fail(ExitCode::usage, "--runs must be at least 1");
	if (cfg.margin < 0 || cfg.margin >= 1)
		return fail(ExitCode::usage, "--margin is a share below 100%");
	if (cfg.verify && cfg.bench.empty() && !cfg.input.empty())
		return fail(ExitCode::usage, "--verify with --input needs --bench CMD to measure");
	return {};
}

void print_rule_list(const std::vector<Rule> &rules, std::FILE *out)
{
	for (const auto &r : rules)
		fmt::print(out, "{}\t{}\t{}\n", r.name, r.origin, r.text.substr(r.text.find(':') + 1));
}

// What to profile when the flags leave it open: plain `tune` looks at the
// whole system for 10 s, with off-CPU time (the off-CPU rules need it).
void default_target(TuneConfig &cfg)
{
	if (cfg.input.empty() && !has_target(cfg.record))
		cfg.record.all_cpus = true;
	if (cfg.record.all_cpus && !cfg.record.cpu_only && !cfg.record.no_off_cpu)
		cfg.record.off_cpu = true;
	if (cfg.input.empty() && cfg.record.command.empty() && !cfg.record.duration)
		cfg.record.duration = std::chrono::seconds(10);
}

// The facts of a profile run: its counters as facts, beside the system's.
void add_counters(std::map<std::string, Value> &facts, const Observation &ob)
{
	for (const auto &[k, v] : ob.counters)
		facts[k] = Value::number(static_cast<double>(v), Value::Unit::count);
}

// What the rules read: the profile, the system's facts, the run's counters,
// then --fact values, which override both.
Evidence evidence_of(const Observation &ob, const TuneConfig &cfg,
		     const std::map<std::string, Value> &facts_given)
{
	Evidence ev;
	ev.profile = &ob.profile;
	ev.freq = ob.freq;
	ev.wall_s = cfg.input.empty() ? ob.wall_s : cfg.wall_s;
	ev.offcpu_profiled = ob.offcpu;
	ev.net = &ob.net;
	ev.facts = system_facts();
	add_counters(ev.facts, ob);
	for (const auto &[k, v] : facts_given)
		ev.facts[k] = v;
	return ev;
}

TuneMode mode_of(const TuneConfig &cfg)
{
	return cfg.verify ? TuneMode::verify : cfg.apply ? TuneMode::apply : TuneMode::dry_run;
}

// The processes a per-process change may touch, or why there are none.
ActionTarget action_target(const Observation &ob, const TuneConfig &cfg)
{
	ActionTarget target;
	target.pids = ob.live_pids;
	if (!target.pids.empty())
		return target;
	if (!cfg.input.empty())
		target.why_none = "an --input profile names no running process";
	else if (!cfg.record.command.empty())
		target.why_none = "the command has exited: process settings need a running process "
				  "(-p PID)";
	else if (cfg.record.all_cpus)
		target.why_none = "process settings need -p PID (not -a)";
	else
		target.why_none = "the -p processes have exited";
	return target;
}

// A finding's plan and what a dry run would do with it.
FindingResult plan_finding(const Finding &f, const ActionTarget &target, bool root)
{
	FindingResult fr;
	fr.finding = &f;
	fr.plan = plan_action(f.rule->action, target, root);
	if (!fr.plan.advice.empty()) {
		fr.status = FindingStatus::advice;
	} else if (!fr.plan.refused.empty()) {
		fr.status = FindingStatus::refused;
		fr.detail = fr.plan.refused;
	} else if (fr.plan.changes.empty()) {
		fr.status = FindingStatus::unchanged;
		fr.detail = fr.plan.unchanged;
	} else {
		fr.status = FindingStatus::would_change;
	}
	return fr;
}

// --apply and --verify: the journal, the objective and its baseline.
struct Applier {
	const TuneConfig &cfg;
	const Evidence &ev;  // the first profile's, for the profile objective
	Journal journal;
	Bench bench;                     // empty argv: the objective is a new profile
	std::optional<double> baseline;  // the bench's median before (and as kept changes go)
	int exit_code = 0;

	Applier(const TuneConfig &c, const Evidence &e)
		: cfg(c), ev(e), journal(c.journal.empty() ? default_journal_path() : c.journal)
	{
		bench.runs = cfg.runs;
		if (!cfg.bench.empty()) {
			bench.argv = {"/bin/sh", "-c", cfg.bench};
			bench.text = cfg.bench;
		} else if (!cfg.record.command.empty()) {
			bench.argv = cfg.record.command;
			bench.text = source_text(cfg);
		}
	}

	// --verify: measures the baseline and says what the objective is.
	Result<std::string> set_objective()
	{
		if (!bench.argv.empty()) {
			int failed = 0;
			auto b = measure(bench, failed);
			if (!b)
				return std::unexpected(b.error());
			if (failed)
				return fail(ExitCode::usage, "--verify: '{}' exited with status {} before any "
							     "change (the objective needs exit 0)", bench.text, failed);
			baseline = *b;
			return fmt::format("median wall time of {} runs of '{}', kept when at least "
					   "{:.0f}% faster", cfg.runs, bench.text, 100 * cfg.margin);
		}
		return fmt::format("each finding's impact in a new {:.0f} s profile, kept when at least "
				   "{:.0f}% lower", ev.wall_s.value_or(0), 100 * cfg.margin);
	}

	// An allocator to preload changes nothing here, but the objective can
	// be measured with it: the advice, verified.
	Result<void> verify_preload(FindingResult &fr)
	{
		int failed = 0;
		auto with = measure(bench, failed, fr.plan.preload);
		if (!with)
			return std::unexpected(with.error());
		VerifyRow row{*baseline, *with, true, ""};
		bool helps = !failed && *with < *baseline * (1 - cfg.margin);
		row.verdict = failed ? fmt::format("advice failed (exit {} with LD_PRELOAD)", failed)
			      : helps ? "advice helps (measured with LD_PRELOAD, nothing changed)"
				      : "advice did not help (measured with LD_PRELOAD)";
		fr.verify = row;
		return {};
	}

	// The objective after a change: the bench again (a better time becomes
	// the new baseline), or a new profile and the finding's impact in it.
	Result<bool> measure_change(const FindingResult &fr, VerifyRow &row)
	{
		if (baseline) {
			int failed = 0;
			auto after = measure(bench, failed);
			if (!after)
				return std::unexpected(after.error());
			row.before = *baseline;
			row.after = *after;
			bool helped = !failed && *after < *baseline * (1 - cfg.margin);
			if (failed)
				row.verdict = fmt::format("reverted (bench failed: exit {})", failed);
			if (helped)
				baseline = *after;
			return helped;
		}
		auto again = observe(cfg.record);
		if (!again)
			return std::unexpected(again.error());
		Evidence ev2 = ev;
		ev2.profile = &again->profile;
		ev2.net = &again->net;
		ev2.wall_s = again->wall_s;
		add_counters(ev2.facts, *again);
		row.seconds = false;
		row.before = fr.finding->impact;
		row.after = impact_of(*fr.finding->rule, ev2);
		return row.after < row.before * (1 - cfg.margin);
	}

	// Applies a finding's plan; with --verify keeps it only if it helped.
	Result<void> apply(FindingResult &fr)
	{
		const std::string &rule = fr.finding->rule->name;
		if (auto r = apply_plan(fr.plan, rule, journal); !r) {
			fr.status = FindingStatus::failed;
			fr.detail = r.error().msg;
			log::error(fmt::format("{}: {}", rule, r.error().msg));
			exit_code = to_int(ExitCode::environment);
			return {};
		}
		fr.status = FindingStatus::applied;
		if (!cfg.verify)
			return {};
		VerifyRow row;
		auto helped = measure_change(fr, row);
		if (!helped)
			return std::unexpected(helped.error());
		if (*helped) {
			row.verdict = "kept";
			fr.status = FindingStatus::kept;
		} else {
			if (auto r = revert_plan(fr.plan, rule, journal); !r) {
				fr.status = FindingStatus::failed;
				fr.detail = "revert: " + r.error().msg;
				exit_code = to_int(ExitCode::environment);
			} else {
				fr.status = FindingStatus::reverted;
			}
			if (row.verdict.empty())
				row.verdict = "reverted";
		}
		fr.verify = row;
		return {};
	}
};

// Makes (and with --verify, measures) the changes of every finding; the
// exit code is 0 or, where a change failed, ExitCode::environment.
Result<int> apply_findings(const TuneConfig &cfg, const Evidence &ev, TuneResult &res)
{
	Applier a(cfg, ev);
	res.journal = a.journal.path();
	if (cfg.verify) {
		auto objective = a.set_objective();
		if (!objective)
			return std::unexpected(objective.error());
		res.objective = *objective;
	}
	for (auto &fr : res.findings) {
		Result<void> r;
		if (cfg.verify && a.baseline && !fr.plan.preload.empty())
			r = a.verify_preload(fr);
		else if (fr.plan.actionable())
			r = a.apply(fr);
		if (!r)
			return std::unexpected(r.error());
	}
	return a.exit_code;
}

}  // namespace

std::string_view to_string(FindingStatus s)
{
	switch (s) {
	case FindingStatus::advice: return "advice";
	case FindingStatus::would_change: return "would change";
	case FindingStatus::unchanged: return "unchanged";
	case FindingStatus::refused: return "refused";
	case FindingStatus::applied: return "applied";
	case FindingStatus::kept: return "kept";
	case FindingStatus::reverted: return "reverted";
	case FindingStatus::failed: return "failed";
	}
	return "?";
}

std::string_view to_string(TuneMode m)
{
	switch (m) {
	case TuneMode::dry_run: return "dry run";
	case TuneMode::apply: return "apply";
	case TuneMode::verify: return "verify";
	}
	return "?";
}

Result<int> run_tune(const TuneConfig &cfg_in, std::FILE *out)
{
	TuneConfig cfg = cfg_in;
	if (cfg.verify)
		cfg.apply = true;
	if (auto r = check_flags(cfg); !r)
		return std::unexpected(r.error());
	auto rules = load_rules(cfg);
	if (!rules)
		return std::unexpected(rules.error());
	if (cfg.list_rules) {
		print_rule_list(*rules, out);
		return 0;
	}
	auto facts_given = parse_facts(cfg.facts);
	if (!facts_given)
		return std::unexpected(facts_given.error());
	bool root = geteuid() == 0;
	if (cfg.apply && !root)
		return fail(ExitCode::environment, "--apply and --verify change system settings: run as root");
	default_target(cfg);

	auto ob = cfg.input.empty() ? observe(cfg.record) : observe_file(cfg.input, cfg.record.freq);
	if (!ob)
		return std::unexpected(ob.error());
	if (ob->exit_code)
		return ob->exit_code;  // interrupted: no findings from half a profile
	if (ob->target_exit && *ob->target_exit != 0)
		log::warn("the command {}", describe_command_end(*ob->target_exit, ob->target_signal));
	Evidence ev = evidence_of(*ob, cfg, *facts_given);
	Evaluation evaluation = evaluate(*rules, ev, cfg.top);

	TuneResult res;
	res.mode = mode_of(cfg);
	res.source = source_text(cfg);
	res.weight = static_cast<double>(ob->profile.total());
	res.freq = ob->freq;
	res.wall_s = ev.wall_s;
	res.facts = ev.facts;
	res.skipped = evaluation.skipped;
	ActionTarget target = action_target(*ob, cfg);
	for (const auto &f : evaluation.findings)
		res.findings.push_back(plan_finding(f, target, root));

	int exit_code = 0;
	if (cfg.apply) {
		auto applied = apply_findings(cfg, ev, res);
		if (!applied)
			return std::unexpected(applied.error());
		exit_code = *applied;
	}
	if (cfg.format == "json")
		print_json(res, out);
	else
		print_text(res, out);
	return exit_code;
}

Result<int> run_revert(const std::string &journal_path, std::FILE *out)
{
	if (geteuid() != 0)
		return fail(ExitCode::environment, "--revert restores system settings: run as root");
	Journal j(journal_path.empty() ? default_journal_path() : journal_path);
	auto rep = revert_all(j);
	if (!rep)
		return std::unexpected(rep.error());
	for (const auto &l : rep->lines)
		fmt::print(out, "{}\n", l);
	fmt::print(out, "revert: {} restored, {} left alone, {} failed ({})\n", rep->restored,
		   rep->left_alone, rep->failed, j.path());
	return rep->failed ? to_int(ExitCode::environment) : 0;
}

}  // namespace xpu::tune
