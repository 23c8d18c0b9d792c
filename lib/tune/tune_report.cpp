// Findings as text for people and as JSON for scripts (fields documented
// in man/xpu-perf-tune.1, JSON OUTPUT).
#include <cmath>

#include "tune/tune.hpp"
#include "output/writer_table.hpp"

namespace xpu::tune {

namespace {

std::string percent(double v) { return fmt::format("{:.1f}%", 100 * v); }

std::string measured(double v, bool seconds)
{
	return seconds ? fmt::format("{:.3f} s", v) : percent(v);
}

std::string json_number(double v)
{
	if (!std::isfinite(v))
		return "null";
	return fmt::format("{}", v);
}

std::string json_value(const Value &v)
{
	switch (v.kind) {
	case Value::Kind::number:
		return json_number(v.num);
	case Value::Kind::string:
		return json_string(v.str);
	case Value::Kind::absent:
		break;
	}
	return "null";
}

}  // namespace

std::string short_stack(const std::string &stack, size_t keep)
{
	std::vector<std::string_view> frames;
	std::string_view s = stack;
	while (true) {
		size_t semi = s.find(';');
		frames.push_back(s.substr(0, semi));
		if (semi == s.npos)
			break;
		s.remove_prefix(semi + 1);
	}
	if (frames.size() <= keep + 1)
		return stack;
	std::string out = std::string(frames[0]) + ";…";
	for (size_t i = frames.size() - keep; i < frames.size(); i++)
		out += ";" + std::string(frames[i]);
	return out;
}

void print_text(const TuneResult &r, std::FILE *out)
{
	std::string wall = r.wall_s ? fmt::format(" over {:.2f} s", *r.wall_s) : "";
	fmt::print(out, "tune: {} finding{} from {} ({:.0f} samples{}), {}\n", r.findings.size(),
		   r.findings.size() == 1 ? "" : "s", r.source, r.weight, wall,
		   r.mode == TuneMode::dry_run ? "dry run: nothing changed" : to_string(r.mode));
	size_t n = 0;
	for (const auto &fr : r.findings) {
		const Finding &f = *fr.finding;
		fmt::print(out, "\n{}. {}  impact {}  ({})\n", ++n, f.rule->name, percent(f.impact),
			   f.rule->origin);
		std::string ev;
		for (const auto &rd : f.readings)
			ev += fmt::format("{}{} = {}", ev.empty() ? "" : ", ", rd.metric, to_string(rd.value));
		fmt::print(out, "   evidence: {}\n", ev);
		for (const auto &s : f.stacks)
			fmt::print(out, "     {:>6}  {}\n", percent(s.share), short_stack(s.stack));
		fmt::print(out, "   action: {}\n", to_string(f.rule->action));
		if (!fr.plan.advice.empty() && f.rule->action.key != "text")  // else the action says it
			fmt::print(out, "     advice: {}\n", fr.plan.advice);
		for (const auto &c : fr.plan.changes)
			fmt::print(out, "     {}: {}\n", to_string(fr.status), describe(c));
		if (fr.plan.changes.empty() && fr.plan.advice.empty())
			fmt::print(out, "     {}: {}\n", to_string(fr.status), fr.detail);
		else if (!fr.detail.empty())
			fmt::print(out, "     ({})\n", fr.detail);
	}
	if (!r.skipped.empty()) {
		fmt::print(out, "\nnot decided ({} rule{}):\n", r.skipped.size(), r.skipped.size() == 1 ? "" : "s");
		for (const auto &s : r.skipped)
			fmt::print(out, "  {}: {}\n", s.rule->name, s.why);
	}
	bool any_verify = false;
	for (const auto &fr : r.findings)
		any_verify |= fr.verify.has_value();
	if (any_verify) {
		fmt::print(out, "\nverify: {}\n", r.objective);
		fmt::print(out, "  {:<18} {:>10} {:>10} {:>8}  {}\n", "finding", "before", "after", "change",
			   "verdict");
		for (const auto &fr : r.findings) {
			if (!fr.verify)
				continue;
			const VerifyRow &v = *fr.verify;
			std::string change = v.before > 0 ? fmt::format("{:+.1f}%", 100 * (v.after / v.before - 1))
							  : "-";
			fmt::print(out, "  {:<18} {:>10} {:>10} {:>8}  {}\n", fr.finding->rule->name,
				   measured(v.before, v.seconds), measured(v.after, v.seconds), change,
				   v.verdict);
		}
	}
	if (r.mode == TuneMode::dry_run && !r.findings.empty())
		fmt::print(out, "\nnothing was changed; --apply makes the changes above, --verify "
				"also measures and keeps only what helped\n");
	else if (!r.journal.empty() && r.mode != TuneMode::dry_run)
		fmt::print(out, "\njournal: {} ('xpu-perf tune --revert' restores)\n", r.journal);
}

void print_json(const TuneResult &r, std::FILE *out)
{
	std::string s = "{";
	s += fmt::format("\"mode\":{},\"source\":{},\"weight\":{},\"freq\":{},\"wall_s\":{}",
			 json_string(to_string(r.mode)), json_string(r.source), json_number(r.weight), r.freq,
			 r.wall_s ? json_number(*r.wall_s) : "null");
	s += ",\"facts\":{";
	bool first = true;
	for (const auto &[k, v] : r.facts) {
		s += fmt::format("{}{}:{}", first ? "" : ",", json_string(k), json_value(v));
		first = false;
	}
	s += "},\"findings\":[";
	for (size_t i = 0; i < r.findings.size(); i++) {
		const FindingResult &fr = r.findings[i];
		const Finding &f = *fr.finding;
		s += i ? ",{" : "{";
		s += fmt::format("\"rule\":{},\"origin\":{},\"impact\":{},\"condition\":{},\"action\":{}",
				 json_string(f.rule->name), json_string(f.rule->origin), json_number(f.impact),
				 json_string(to_string(f.rule->cond)), json_string(to_string(f.rule->action)));
		s += ",\"evidence\":[";
		for (size_t j = 0; j < f.readings.size(); j++)
			s += fmt::format("{}{{\"metric\":{},\"value\":{},\"text\":{}}}", j ? "," : "",
					 json_string(f.readings[j].metric), json_value(f.readings[j].value),
					 json_string(to_string(f.readings[j].value)));
		s += "],\"stacks\":[";
		for (size_t j = 0; j < f.stacks.size(); j++)
			s += fmt::format("{}{{\"share\":{},\"stack\":{}}}", j ? "," : "",
					 json_number(f.stacks[j].share), json_string(f.stacks[j].stack));
		s += fmt::format("],\"status\":{},\"detail\":{},\"advice\":{},\"changes\":[",
				 json_string(to_string(fr.status)), json_string(fr.detail),
				 fr.plan.advice.empty() ? "null" : json_string(fr.plan.advice));
		for (size_t j = 0; j < fr.plan.changes.size(); j++) {
			const Change &c = fr.plan.changes[j];
			s += fmt::format("{}{{\"kind\":{},\"target\":{},\"tid\":{},\"from\":{},\"to\":{}}}",
					 j ? "," : "", json_string(kind_name(c.kind)), json_string(c.target),
					 c.tid, json_string(c.old_value), json_string(c.new_value));
		}
		s += "]";
		if (fr.verify)
			s += fmt::format(",\"verify\":{{\"unit\":{},\"before\":{},\"after\":{},\"verdict\":{}}}",
					 json_string(fr.verify->seconds ? "s" : "share"),
					 json_number(fr.verify->before), json_number(fr.verify->after),
					 json_string(fr.verify->verdict));
		s += "}";
	}
	s += "],\"skipped\":[";
	for (size_t i = 0; i < r.skipped.size(); i++)
		s += fmt::format("{}{{\"rule\":{},\"why\":{}}}", i ? "," : "",
				 json_string(r.skipped[i].rule->name), json_string(r.skipped[i].why));
	s += fmt::format("],\"objective\":{},\"journal\":{}}}\n",
			 r.objective.empty() ? "null" : json_string(r.objective),
			 r.journal.empty() ? "null" : json_string(r.journal));
	std::fputs(s.c_str(), out);
}

}  // namespace xpu::tune
