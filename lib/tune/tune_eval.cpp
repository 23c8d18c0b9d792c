#include "tune/tune_eval.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <fstream>
#include <functional>
#include <variant>

#include "report/report_group.hpp"

namespace xpu::tune {

namespace {

// One folded stack, split the way the metrics look at it.
struct StackView {
	std::string_view stack;
	double weight = 0;
	std::string_view comm;                 // the root frame
	std::vector<std::string_view> frames;  // the thread's own frames after the root,
					       // markers included, waker frames not
	std::string layer;                     // "cpu", "offcpu:S", "gpu:Kernel", ...
	std::string_view leaf;                 // the last own frame that is not an off-CPU marker
	std::string_view gpu_detail;           // text after "[GPU_Kind]"
};

StackView view_of(std::string_view stack, double weight)
{
	StackView v;
	v.stack = stack;
	v.weight = weight;
	v.layer = "cpu";
	size_t start = 0;
	bool root = true;
	while (start <= stack.size()) {
		size_t semi = std::min(stack.find(';', start), stack.size());
		std::string_view f = stack.substr(start, semi - start);
		start = semi + 1;
		if (root) {
			v.comm = f;
			root = false;
			continue;
		}
		if (v.layer.starts_with("offcpu") && f == "--")
			break;  // the waker's stack follows
		if (v.layer == "cpu") {
			std::string l = layer_of_frame(f);
			if (!l.empty()) {
				v.layer = l;
				if (l.starts_with("gpu")) {
					size_t close = f.find(']');
					v.gpu_detail = f.substr(close == f.npos ? f.size() : close + 1);
				}
			}
		}
		v.frames.push_back(f);
		if (!f.starts_with("[off-cpu:"))
			v.leaf = f;
	}
	return v;
}

bool matches(const Arg &a, std::string_view s)
{
	if (a.op == "=")
		return s == a.value;
	bool m = std::regex_search(s.begin(), s.end(), *a.re);
	return a.op == "=~" ? m : !m;
}

// The evaluation of one rule: values, and what it read.
class Evaluator {
public:
	Evaluator(const Evidence &ev, const std::vector<StackView> &stacks, double total)
		: ev_(ev), stacks_(stacks), total_(total) {}

	Value eval(const Expr &e)
	{
		using Op = Expr::Op;
		switch (e.op) {
		case Op::number:
			return Value::number(e.num);
		case Op::string:
			return Value::string(e.str);
		case Op::call: {
			Value v = call(e);
			readings_.push_back({to_string(e), v});
			return v;
		}
		case Op::neg: {
			Value k = eval(e.kids[0]);
			if (k.kind != Value::Kind::number)
				return k.present() ? Value::absent("'-' of a string") : k;
			return Value::number(-k.num, k.unit);
		}
		case Op::not_: {
			Value k = eval(e.kids[0]);
			if (!k.present())
				return k;
			return Value::number(truth(k) ? 0 : 1);
		}
		case Op::and_:
		case Op::or_: {
			// Three-valued: false and absent is false, true or absent is true.
			Value l = eval(e.kids[0]), r = eval(e.kids[1]);
			bool decisive = e.op == Op::or_;
			if ((l.present() && truth(l) == decisive) || (r.present() && truth(r) == decisive))
				return Value::number(decisive ? 1 : 0);
			if (!l.present())
				return l;
			if (!r.present())
				return r;
			return Value::number(decisive ? 0 : 1);
		}
		default:
			return binary(e);
		}
	}

	std::vector<Reading> readings_;
	const Expr *first_stack_metric_ = nullptr;
	// The small-writes stack a network metric read (a finding's stack when
	// no time metric gave one), with its share of all sends.
	const NetStackCount *small_stack_ = nullptr;
	double small_share_ = 0;

private:
	static bool truth(const Value &v)
	{
		return v.kind == Value::Kind::number ? v.num != 0 : !v.str.empty();
	}

	Value binary(const Expr &e)
	{
		using Op = Expr::Op;
		Value l = eval(e.kids[0]), r = eval(e.kids[1]);
		if (!l.present())
			return l;
		if (!r.present())
			return r;
		bool strings = l.kind == Value::Kind::string || r.kind == Value::Kind::string;
		if (strings) {
			if (l.kind != r.kind)
				return Value::absent(fmt::format("{} compares a string with a number",
								 to_string(e)));
			if (e.op == Op::eq)
				return Value::number(l.str == r.str);
			if (e.op == Op::ne)
				return Value::number(l.str != r.str);
			return Value::absent(fmt::format("{}: strings compare only with == and !=",
							 to_string(e)));
		}
		double a = l.num, b = r.num;
		Value::Unit u = l.unit != Value::Unit::plain ? l.unit : r.unit;
		switch (e.op) {
		case Op::add: return Value::number(a + b, u);
		case Op::sub: return Value::number(a - b, u);
		case Op::mul: return Value::number(a * b, u);
		case Op::div:
			if (b == 0)
				return Value::absent(fmt::format("{} divides by zero", to_string(e)));
			// share / share is again a share; anything else is a plain ratio
			return Value::number(a / b, l.unit == r.unit && l.unit == Value::Unit::share
							    ? Value::Unit::share
							    : Value::Unit::plain);
		case Op::lt: return Value::number(a < b);
		case Op::le: return Value::number(a <= b);
		case Op::gt: return Value::number(a > b);
		case Op::ge: return Value::number(a >= b);
		case Op::eq: return Value::number(a == b);
		case Op::ne: return Value::number(a != b);
		default: return Value::absent("bad operator");
		}
	}

	const Arg *arg(const Expr &e, std::string_view key) const
	{
		for (const auto &a : e.args)
			if (a.key == key)
				return &a;
		return nullptr;
	}

	// The weight of the stacks for which `pred` holds, as a share.
	Value share_where(const Expr &e, const std::function<bool(const StackView &)> &pred)
	{
		if (!first_stack_metric_)
			first_stack_metric_ = &e;
		if (total_ <= 0)
			return Value::absent("the profile is empty");
		double w = 0;
		for (const auto &s : stacks_)
			if (pred(s))
				w += s.weight;
		return Value::number(w / total_, Value::Unit::share);
	}

	Value frame_metric(const Expr &e)
	{
		const Arg *frame = arg(e, "frame"), *comm = arg(e, "comm"), *layer = arg(e, "layer");
		bool self = e.str == "self";
		auto pred = [&](const StackView &s) {
			if (comm && !matches(*comm, s.comm))
				return false;
			if (layer && !s.layer.starts_with(layer->value))
				return false;
			if (!frame)
				return true;
			if (self)
				return matches(*frame, s.leaf);
			if (frame->op == "!~")  // no frame matches the regex
				return std::none_of(s.frames.begin(), s.frames.end(), [&](std::string_view f) {
					return std::regex_search(f.begin(), f.end(), *frame->re);
				});
			return std::any_of(s.frames.begin(), s.frames.end(),
					   [&](std::string_view f) { return matches(*frame, f); });
		};
		Value v = share_where(e, pred);
		if (e.str == "seconds" && v.present())
			return Value::number(v.num * total_ / ev_.freq, Value::Unit::seconds);
		return v;
	}

	Value gpu_metric(const Expr &e, std::string_view kind,
			 const std::function<bool(std::string_view)> &detail = {})
	{
		return share_where(e, [&](const StackView &s) {
			if (!is_gpu_time(s))
				return false;
			if (!kind.empty() && std::string_view(s.layer).substr(4) != kind)
				return false;
			return !detail || detail(s.gpu_detail);
		});
	}

	// Device time: GPU work under its launch stacks. [GPU_Wait] stacks are
	// not: they are the CPU's wall time inside synchronizing calls, blamed
	// on the work it waited for (lib/gpu/gpu_wait_blame.hpp).
	static bool is_gpu_time(const StackView &s)
	{
		return s.layer.starts_with("gpu:") && s.layer != "gpu:Wait";
	}

	// Wall time a CPU thread spent in a synchronizing call while GPU work
	// (matching `kernel`, when given) ran on the stream(s) it waited for;
	// [GPU_Wait][idle], a wait with nothing running, is not counted.
	Value gpu_wait_metric(const Expr &e)
	{
		const Arg *kernel = arg(e, "kernel");
		return share_where(e, [&](const StackView &s) {
			if (s.layer != "gpu:Wait" || s.gpu_detail == "[idle]")
				return false;
			return !kernel || matches(*kernel, s.gpu_detail);
		});
	}

	double gpu_weight() const
	{
		double w = 0;
		for (const auto &s : stacks_)
			if (is_gpu_time(s))
				w += s.weight;
		return w;
	}

	Value fact(const std::string &name) const
	{
		auto it = ev_.facts.find(name);
		if (it != ev_.facts.end())
			return it->second;
		return Value::absent(fmt::format("{} was not collected", name));
	}

	Value sysctl(const std::string &name) const
	{
		if (auto it = ev_.facts.find("sysctl:" + name); it != ev_.facts.end())
			return it->second;
		if (!ev_.read_sysctls)
			return Value::absent(fmt::format("sysctl {} not read", name));
		std::string path = "/proc/sys/" + name;
		std::replace(path.begin() + 10, path.end(), '.', '/');
		std::ifstream f(path);
		std::string text;
		if (!std::getline(f, text))
			return Value::absent(fmt::format("no sysctl {}", name));
		return fact_value(text);
	}

	// The network layer's send stacks: the one that sends small writes
	// most often (mean under kSmallSendBytes), and every send. Calls are
	// unknown for a profile read from a file.
	struct Sends {
		const NetStackCount *small = nullptr;
		uint64_t calls = 0, bytes = 0;
	};
	std::variant<Sends, Value> sends() const
	{
		if (!ev_.net || ev_.net->empty())
			return Value::absent("no network layer in the profile: tune --net adds it");
		Sends s;
		for (const auto &n : *ev_.net) {
			size_t leaf = n.stack.rfind(';');
			if (!std::string_view(n.stack).substr(leaf == n.stack.npos ? 0 : leaf + 1).starts_with("[net:send]"))
				continue;
			s.calls += n.calls;
			s.bytes += n.bytes;
			if (n.calls && static_cast<double>(n.bytes) / static_cast<double>(n.calls) < kSmallSendBytes &&
			    (!s.small || n.calls > s.small->calls))
				s.small = &n;
		}
		if (s.calls == 0)
			return Value::absent(s.bytes ? "send calls are not counted in a folded file"
						     : "no sends in the profile");
		return s;
	}

	Value net_metric(const std::string &n)
	{
		auto got = sends();
		if (const Value *why = std::get_if<Value>(&got))
			return *why;
		const Sends &s = std::get<Sends>(got);
		if (n == "net_bytes_per_send")
			return Value::number(static_cast<double>(s.bytes) / static_cast<double>(s.calls));
		if (n == "small_send_bytes") {
			if (!s.small)
				return Value::absent(fmt::format("no stack sends under {} bytes on average", kSmallSendBytes));
			small_stack_ = s.small;
			small_share_ = static_cast<double>(s.small->calls) / static_cast<double>(s.calls);
			return Value::number(static_cast<double>(s.small->bytes) / static_cast<double>(s.small->calls));
		}
		if (!ev_.wall_s || *ev_.wall_s <= 0)
			return Value::absent(fmt::format("{} needs the wall time", n));
		if (n == "net_sends_per_s")
			return Value::number(static_cast<double>(s.calls) / *ev_.wall_s, Value::Unit::rate);
		// small_sends_per_s
		if (!s.small)
			return Value::number(0, Value::Unit::rate);
		small_stack_ = s.small;
		small_share_ = static_cast<double>(s.small->calls) / static_cast<double>(s.calls);
		return Value::number(static_cast<double>(s.small->calls) / *ev_.wall_s, Value::Unit::rate);
	}

	Value call(const Expr &e)
	{
		const std::string &n = e.str;
		if (e.args.empty() && n != "sysctl")
			if (auto it = ev_.facts.find(n); it != ev_.facts.end())
				return it->second;
		if (n == "share" || n == "total" || n == "self" || n == "seconds")
			return frame_metric(e);
		if (n == "oncpu")
			return share_where(e, [](const StackView &s) { return s.layer == "cpu"; });
		if (n == "offcpu") {
			if (!ev_.offcpu_profiled)
				return Value::absent("off-CPU time was not profiled");
			const Arg *state = arg(e, "state");
			std::string want = state ? "offcpu:" + state->value : "offcpu";
			return share_where(e, [&](const StackView &s) {
				return state ? s.layer == want : s.layer.starts_with(want);
			});
		}
		if (n == "gpu")
			return gpu_metric(e, "");
		if (n == "gpu_kernel") {
			const Arg *name = arg(e, "name");
			return gpu_metric(e, "Kernel", [&](std::string_view d) {
				return !name || matches(*name, d);
			});
		}
		if (n == "gpu_memcpy") {
			const Arg *kind = arg(e, "kind");
			return gpu_metric(e, "Memcpy", [&](std::string_view d) {
				if (d.ends_with("(pageable)"))
					d.remove_suffix(10);
				return !kind || matches(*kind, d);
			});
		}
		if (n == "gpu_memcpy_pageable")
			return gpu_metric(e, "Memcpy",
					  [](std::string_view d) { return d.ends_with("(pageable)"); });
		if (n == "gpu_memset")
			return gpu_metric(e, "Memset");
		if (n == "gpu_sync")
			return gpu_metric(e, "Sync");
		if (n == "gpu_wait")
			return gpu_wait_metric(e);
		if (n == "gpu_busy_s") {
			return Value::number(gpu_weight() / ev_.freq, Value::Unit::seconds);
		}
		if (n == "gpu_idle") {
			if (!ev_.wall_s || *ev_.wall_s <= 0)
				return Value::absent("gpu_idle needs the wall time of a profiling session");
			Value busy = fact("gpu_busy_s");
			double busy_s = busy.present() ? busy.num : gpu_weight() / ev_.freq;
			if (!busy.present() && gpu_weight() <= 0)
				return Value::absent("no GPU activity in the profile");
			return Value::number(std::clamp(1 - busy_s / *ev_.wall_s, 0.0, 1.0), Value::Unit::share);
		}
		if (n == "small_sends_per_s" || n == "small_send_bytes" || n == "net_sends_per_s" ||
		    n == "net_bytes_per_send")
			return net_metric(n);
		if (n.ends_with("_per_s")) {
			Value count = fact(n.substr(0, n.size() - 6));
			if (!count.present() || count.kind != Value::Kind::number)
				return count;
			if (!ev_.wall_s || *ev_.wall_s <= 0)
				return Value::absent(fmt::format("{} needs the wall time", n));
			return Value::number(count.num / *ev_.wall_s, Value::Unit::rate);
		}
		if (n == "wall_s")
			return ev_.wall_s ? Value::number(*ev_.wall_s, Value::Unit::seconds)
					  : Value::absent("no wall time (an --input profile)");
		if (n == "freq")
			return Value::number(ev_.freq);
		if (n == "sysctl")
			return sysctl(e.args[0].value);
		return fact(n);
	}

	const Evidence &ev_;
	const std::vector<StackView> &stacks_;
	double total_;
};

// The left side of the first comparison, when the rule states no impact.
const Expr *first_comparison_lhs(const Expr &e)
{
	using Op = Expr::Op;
	if (e.op == Op::gt || e.op == Op::ge || e.op == Op::lt || e.op == Op::le || e.op == Op::eq ||
	    e.op == Op::ne)
		return &e.kids[0];
	for (const auto &k : e.kids)
		if (const Expr *l = first_comparison_lhs(k))
			return l;
	return nullptr;
}

struct Stacks {
	std::deque<std::string> text;  // what the views point into (a deque never moves it)
	std::vector<StackView> views;
	double total = 0;
};

Stacks views_of(const Profile *p)
{
	Stacks s;
	if (!p)
		return s;
	p->for_each([&](std::string_view stack, uint64_t w) {
		s.views.push_back(view_of(s.text.emplace_back(stack), static_cast<double>(w)));
		s.total += static_cast<double>(w);
	});
	// Heaviest first, then by text, so evidence is deterministic.
	std::sort(s.views.begin(), s.views.end(), [](const StackView &a, const StackView &b) {
		return a.weight != b.weight ? a.weight > b.weight : a.stack < b.stack;
	});
	return s;
}

}  // namespace

std::string to_string(const Value &v)
{
	switch (v.kind) {
	case Value::Kind::absent:
		return "absent (" + v.str + ")";
	case Value::Kind::string:
		return "\"" + v.str + "\"";
	case Value::Kind::number:
		break;
	}
	switch (v.unit) {
	case Value::Unit::share:
		return fmt::format("{:.1f}%", 100 * v.num);
	case Value::Unit::rate:
		return fmt::format("{:.0f}/s", v.num);
	case Value::Unit::seconds:
		return fmt::format("{:.3f} s", v.num);
	case Value::Unit::count:
		return fmt::format("{:.0f}", v.num);
	case Value::Unit::plain:
		break;
	}
	if (v.num == std::floor(v.num) && std::fabs(v.num) < 1e15)
		return fmt::format("{}", static_cast<long long>(v.num));
	return fmt::format("{:.4g}", v.num);
}

Value fact_value(const std::string &text)
{
	std::string_view t = text;
	while (!t.empty() && (t.back() == '\n' || t.back() == ' '))
		t.remove_suffix(1);
	bool percent = t.ends_with('%');
	std::string_view digits = percent ? t.substr(0, t.size() - 1) : t;
	double v = 0;
	auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
	if (!digits.empty() && r.ec == std::errc() && r.ptr == digits.data() + digits.size())
		return percent ? Value::number(v / 100, Value::Unit::share) : Value::number(v);
	return Value::string(std::string(t));
}

Value evaluate_expr(const Expr &e, const Evidence &ev)
{
	Stacks s = views_of(ev.profile);
	Evaluator x(ev, s.views, s.total);
	return x.eval(e);
}

double impact_of(const Rule &rule, const Evidence &ev)
{
	const Expr *impact = rule.impact ? rule.impact.get() : first_comparison_lhs(rule.cond);
	if (!impact)
		return 0;
	Value v = evaluate_expr(*impact, ev);
	if (v.kind == Value::Kind::number && (rule.impact || v.unit == Value::Unit::share))
		return std::clamp(v.num, 0.0, 1.0);
	return 0;
}

Evaluation evaluate(const std::vector<Rule> &rules, const Evidence &ev, size_t top_stacks)
{
	Stacks s = views_of(ev.profile);
	Evaluation out;
	for (const auto &rule : rules) {
		Evaluator x(ev, s.views, s.total);
		Value c = x.eval(rule.cond);
		if (!c.present()) {
			out.skipped.push_back({&rule, c.str});
			continue;
		}
		if (c.kind != Value::Kind::number || c.num == 0)
			continue;
		Finding f;
		f.rule = &rule;
		f.readings = std::move(x.readings_);
		f.impact = impact_of(rule, ev);
		if (const Expr *m = x.first_stack_metric_; m && top_stacks) {
			// The stacks behind it: those its predicate keeps, heaviest first.
			Profile one;
			for (const auto &v : s.views) {
				if (f.stacks.size() >= top_stacks)
					break;
				one = Profile();
				one.add_folded(v.stack, static_cast<uint64_t>(v.weight));
				Evidence single = ev;
				single.profile = &one;
				single.facts.clear();
				Value hit = evaluate_expr(*m, single);
				if (hit.kind == Value::Kind::number && hit.num > 0 && s.total > 0)
					f.stacks.push_back({std::string(v.stack), v.weight / s.total});
			}
		}
		if (f.stacks.empty() && x.small_stack_ && top_stacks)
			f.stacks.push_back({x.small_stack_->stack, x.small_share_});
		out.findings.push_back(std::move(f));
	}
	std::stable_sort(out.findings.begin(), out.findings.end(),
			 [](const Finding &a, const Finding &b) { return a.impact > b.impact; });
	return out;
}

}  // namespace xpu::tune
