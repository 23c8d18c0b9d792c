// The rule language of `tune`: parsing (with error columns) and exact
// evaluation on the fixture profiles in tests/fixtures/tune/.
#include <set>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "profile/folded_reader.hpp"
#include "tune/tune_builtin.hpp"
#include "tune/tune_eval.hpp"
#include "tune/tune_rule.hpp"

using namespace xpu;
using namespace xpu::tune;

namespace {

Profile fixture(const std::string &name)
{
	Profile p;
	auto r = read_folded({xpu::test::build_dir() + "/../tests/fixtures/tune/" + name},
			     [&](std::string_view stack, double w) {
				     p.add_folded(stack, static_cast<uint64_t>(w));
			     });
	REQUIRE(r);
	return p;
}

Rule rule(const std::string &text)
{
	auto r = parse_rule(text);
	INFO(text);
	REQUIRE(r);
	return std::move(*r);
}

std::string parse_error(const std::string &text)
{
	auto r = parse_rule(text);
	REQUIRE_FALSE(r);
	CHECK(r.error().exit == ExitCode::usage);
	return r.error().msg;
}

Evidence with(int freq, std::optional<double> wall_s)
{
	Evidence ev;
	ev.freq = freq;
	ev.wall_s = wall_s;
	return ev;
}

Value value_of(const std::string &expr, const Profile &p, Evidence ev = {})
{
	Rule r = rule(expr + " => suggest \"x\"");
	ev.profile = &p;
	return evaluate_expr(r.cond, ev);
}

double num(const std::string &expr, const Profile &p, Evidence ev = {})
{
	Value v = value_of(expr, p, std::move(ev));
	INFO(expr << " = " << to_string(v));
	REQUIRE(v.kind == Value::Kind::number);
	return v.num;
}

}  // namespace

TEST_CASE("tune rules: a rule parses into condition, action and name", "[tune]")
{
	Rule r = rule(R"(alloc: share(frame =~ "^(malloc|_int_free|free)$") > 15% => suggest preload(jemalloc))");
	CHECK(r.name == "alloc");
	CHECK(to_string(r.cond) == R"((share(frame =~ "^(malloc|_int_free|free)$") > 0.15))");
	CHECK(r.action.kind == Action::Kind::suggest);
	CHECK(to_string(r.action) == "suggest preload(jemalloc)");
	CHECK(r.impact == nullptr);

	Rule s = rule(R"(offcpu(state="D") > 30% => set sysctl vm.dirty_background_ratio=5)");
	CHECK(s.name.empty());
	CHECK(s.action.kind == Action::Kind::sysctl);
	CHECK(s.action.key == "vm.dirty_background_ratio");
	CHECK(s.action.value == "5");

	Rule t = rule(R"(x: not (thp == "always") and 2 * nr_cpus - 1 >= 3 or wall_s < 1 => set thp always impact 0.25)");
	CHECK(to_string(t.cond) ==
	      R"(((not (thp == "always") and (((2 * nr_cpus) - 1) >= 3)) or (wall_s < 1)))");
	REQUIRE(t.impact);
	CHECK(to_string(*t.impact) == "0.25");

	CHECK(to_string(rule("oncpu > 1 => set nice +5").action) == "set nice 5");
	CHECK(to_string(rule("oncpu > 1 => set ioprio be,4").action) == "set ioprio be,4");
	CHECK(to_string(rule("oncpu > 1 => set affinity 0-1,3").action) == "set affinity 0-1,3");
	CHECK(to_string(rule("oncpu > 1 => set numa 0").action) == "set numa 0");
	CHECK(to_string(rule("oncpu > 1 => set governor performance").action) == "set governor performance");
	CHECK(to_string(rule(R"(oncpu > 1 => suggest "use a pool")").action) == R"(suggest "use a pool")");
	CHECK(to_string(rule("oncpu > 1 => suggest cuda_graphs").action) == "suggest cuda_graphs");
}

TEST_CASE("tune rules: parse errors point at the column", "[tune]")
{
	// The column is 1-based, in the rule as written.
	CHECK(parse_error("shar(frame =~ \"x\") > 1 => suggest cuda_graphs") == "1: unknown metric 'shar'");
	CHECK(parse_error("share(fram =~ \"x\") > 1 => suggest cuda_graphs") ==
	      "7: unknown argument 'fram' (takes: comm, frame, layer)");
	CHECK(parse_error("share(frame =~ \"(x\") > 1 => suggest cuda_graphs") ==
	      "17: bad regex \"(x\": Mismatched '(' and ')' in regular expression");
	CHECK(parse_error("share(frame =~ x) > 1 => suggest cuda_graphs") == "16: expected a quoted string");
	CHECK(parse_error("share(frame > \"x\") > 1 => suggest cuda_graphs") == "13: 'frame' takes =~, !~ or =");
	CHECK(parse_error("oncpu > => suggest cuda_graphs") == "9: expected a metric, a number or a string");
	CHECK(parse_error("oncpu > 1") == "10: expected '=> ACTION'");
	CHECK(parse_error("oncpu = 1 => suggest cuda_graphs") == "7: '=' compares nothing: use '=='");
	CHECK(parse_error("oncpu > 1 2 => suggest cuda_graphs") == "11: unexpected ''");
	CHECK(parse_error("(oncpu > 1 => suggest cuda_graphs") == "12: expected ')'");
	CHECK(parse_error("oncpu > 1 => make it fast") == "14: unknown action 'make' (suggest, set)");
	CHECK(parse_error("oncpu > 1 => set swap on") ==
	      "18: unknown setting 'swap' (sysctl, thp, governor, affinity, numa, nice, ioprio)");
	CHECK(parse_error("oncpu > 1 => set thp sometimes") == "22: thp is always, madvise or never");
	CHECK(parse_error("oncpu > 1 => set sysctl vm.swappiness") ==
	      "25: expected NAME=VALUE (vm.dirty_background_ratio=5)");
	CHECK(parse_error("oncpu > 1 => set nice 40") == "23: nice is -20..19");
	CHECK(parse_error("oncpu > 1 => set ioprio be,9") == "25: ioprio level is 0..7 (be,4)");
	CHECK(parse_error("oncpu > 1 => suggest preload") == "22: preload needs a library: preload(jemalloc)");
	CHECK(parse_error("oncpu > 1 => suggest turbo") ==
	      "22: unknown advice 'turbo' (preload(LIB), pinned_memory, cuda_graphs or \"text\")");
	CHECK(parse_error("oncpu > 1 =>") == "13: expected an action: suggest ... or set ...");
	CHECK(parse_error("sysctl(frame = \"x\") > 1 => suggest cuda_graphs") ==
	      "8: unknown argument 'frame' (takes: none)");
	CHECK(parse_error("oncpu > \"x => suggest cuda_graphs") == "9: unterminated string");
	CHECK(parse_error("oncpu > 1 => set thp always impact oncpu >") ==
	      "43: expected a metric, a number or a string");
}

TEST_CASE("tune rules: a rules file names the line of an error, skips comments", "[tune]")
{
	auto ok = parse_rules("# comment\n\noncpu > 1 => suggest cuda_graphs\n  # indented\na: gpu > 0 => suggest pinned_memory\n",
			      "my.rules");
	REQUIRE(ok);
	REQUIRE(ok->size() == 2);
	CHECK((*ok)[0].name == "rule-3");
	CHECK((*ok)[0].origin == "my.rules:3");
	CHECK((*ok)[1].name == "a");
	auto bad = parse_rules("oncpu > 1 => suggest cuda_graphs\n\noncpu >> 1 => suggest cuda_graphs\n", "my.rules");
	REQUIRE_FALSE(bad);
	CHECK(bad.error().msg == "my.rules:3:8: unexpected '>'");
}

TEST_CASE("tune rules: the built-in rules parse", "[tune]")
{
	auto r = parse_rules(kBuiltinRules, "built-in");
	INFO((r ? "" : r.error().msg));
	REQUIRE(r);
	CHECK(r->size() == 13);
	std::set<std::string> names;
	for (const auto &x : *r)
		names.insert(x.name);
	CHECK(names.size() == r->size());  // unique names: --verify and JSON refer to them
	CHECK(names.contains("allocator"));
	CHECK(names.contains("thp-page-faults"));
}

TEST_CASE("tune metrics: frame shares, self and seconds on a CPU profile", "[tune]")
{
	Profile p = fixture("malloc.folded");  // total 100
	CHECK(num(R"(share(frame =~ "^(malloc|free)$"))", p) == Approx(0.5));
	CHECK(num(R"(total(frame =~ "^_int_"))", p) == Approx(0.5));
	CHECK(num(R"(self(frame =~ "^_int_"))", p) == Approx(0.5));
	CHECK(num(R"(self(frame =~ "^(malloc|free)$"))", p) == Approx(0));
	CHECK(num(R"(self(frame = "fill"))", p) == Approx(0.4));
	CHECK(num(R"(share(frame !~ "malloc"))", p) == Approx(0.6));  // no frame matches
	// The root frame is the process, matched by comm, not by frame.
	CHECK(num(R"(share(frame =~ "heavy"))", p) == Approx(0));
	CHECK(num(R"(share(comm = "malloc_heavy"))", p) == Approx(1));
	CHECK(num(R"(seconds(frame = "fill"))", p) == Approx(40.0 / 99));
	Evidence ev;
	ev.freq = 10;
	CHECK(num(R"(seconds(frame = "fill"))", p, ev) == Approx(4));
	CHECK(num("oncpu", p) == Approx(1));
	CHECK(num("offcpu", p) == Approx(0));
	CHECK(to_string(value_of(R"(share(frame =~ "^_int_"))", p)) == "50.0%");
	CHECK(to_string(value_of("gpu_idle", p)) == "absent (gpu_idle needs the wall time of a profiling session)");
}

TEST_CASE("tune metrics: off-CPU states and the waker's frames", "[tune]")
{
	Profile p = fixture("offcpu.folded");  // total 100
	CHECK(num("offcpu", p) == Approx(0.85));
	CHECK(num(R"(offcpu(state = "D"))", p) == Approx(0.6));
	CHECK(num(R"(offcpu(state = "S"))", p) == Approx(0.2));
	CHECK(num(R"(offcpu(state = "R"))", p) == Approx(0.05));
	CHECK(num("oncpu", p) == Approx(0.15));
	// Frames after "--" belong to the waker, not to the thread.
	CHECK(num(R"(share(frame = "hrtimer_wakeup_[k]"))", p) == Approx(0));
	CHECK(num(R"(share(frame = "[off-cpu:D]"))", p) == Approx(0.6));
	// Self of an off-CPU stack is the function it blocked in.
	CHECK(num(R"(self(frame = "io_schedule_[k]"))", p) == Approx(0.6));
	CHECK(num(R"(self(frame = "compute"))", p) == Approx(0.2));
	CHECK(num(R"(share(layer = "offcpu", frame = "compute"))", p) == Approx(0.05));
	CHECK(num(R"(share(layer = "cpu"))", p) == Approx(0.15));
}

TEST_CASE("tune metrics: GPU layers by kind", "[tune]")
{
	Profile p = fixture("gpu.folded");  // total 100
	CHECK(num("gpu", p) == Approx(0.88));
	CHECK(num("gpu_kernel", p) == Approx(0.53));
	CHECK(num(R"(gpu_kernel(name =~ "gemm"))", p) == Approx(0.38));
	CHECK(num("gpu_memcpy", p) == Approx(0.30));
	CHECK(num(R"(gpu_memcpy(kind = "HtoD"))", p) == Approx(0.25));
	CHECK(num("gpu_memcpy_pageable", p) == Approx(0.25));
	CHECK(num("gpu_memset", p) == Approx(0.02));
	CHECK(num("gpu_sync", p) == Approx(0.03));
	CHECK(num("gpu_memcpy_pageable / gpu", p) == Approx(0.25 / 0.88));
	CHECK(num(R"(share(frame = "[no_cpu_stack]"))", p) == Approx(0.05));
	CHECK(num("gpu_busy_s", p, with(10, {})) == Approx(8.8));
	Evidence ev;
	ev.freq = 10;
	ev.wall_s = 30;
	CHECK(num("gpu_idle", p, ev) == Approx(1 - 8.8 / 30));
	ev.facts["gpu_busy_s"] = Value::number(27);     // a merged timeline wins
	CHECK(num("gpu_idle", p, ev) == Approx(0.1));
	CHECK(to_string(value_of("gpu_idle", fixture("malloc.folded"), with(99, 5))) ==
	      "absent (no GPU activity in the profile)");
}

TEST_CASE("tune metrics: network sends, apart from the time shares", "[tune]")
{
	Profile p = fixture("malloc.folded");
	// Over 2 s: 4000 sends of 40 B under one stack, 100 of 4000 B under
	// another, 50 small ones to a third peer, and receives (never counted).
	std::vector<NetStackCount> net = {
		{"app;main;send_small;__send;[net:send]127.0.0.1:5000", 160000, 4000},
		{"app;main;send_big;__send;[net:send]127.0.0.1:5000", 400000, 100},
		{"app;main;ping;__send;[net:send]unix:/tmp/s", 500, 50},
		{"app;main;recv_all;__recv;[net:recv]127.0.0.1:5000", 560000, 4100},
	};
	Evidence ev = with(99, 2);
	ev.net = &net;
	CHECK(num("small_sends_per_s", p, ev) == Approx(2000));
	CHECK(num("small_send_bytes", p, ev) == Approx(40));
	CHECK(num("net_sends_per_s", p, ev) == Approx(4150.0 / 2));
	CHECK(num("net_bytes_per_send", p, ev) == Approx(560500.0 / 4150));
	// The time shares do not see the bytes.
	CHECK(num("oncpu", p, ev) == Approx(num("oncpu", p)));
	// The rule fires, and names the stack, with its share of all sends.
	auto rules = parse_rules(kBuiltinRules, "built-in");
	REQUIRE(rules);
	ev.profile = &p;
	ev.read_sysctls = false;
	const Finding *small = nullptr;
	auto found = evaluate(*rules, ev);
	for (const auto &f : found.findings)
		if (f.rule->name == "small-writes")
			small = &f;
	REQUIRE(small);
	REQUIRE(small->stacks.size() == 1);
	CHECK(small->stacks[0].stack == "app;main;send_small;__send;[net:send]127.0.0.1:5000");
	CHECK(small->stacks[0].share == Approx(4000.0 / 4150));
	CHECK(to_string(small->readings[0].value) == "2000/s");
	CHECK(to_string(small->readings[1].value) == "40");
	// No stack under 100 B on average: 0, and the mean is absent.
	std::vector<NetStackCount> big = {net[1]};
	ev.net = &big;
	CHECK(num("small_sends_per_s", p, ev) == 0);
	CHECK(to_string(value_of("small_send_bytes", p, ev)) ==
	      "absent (no stack sends under 100 bytes on average)");
	// Without the layer, or from a file (bytes, no calls): absent.
	CHECK(to_string(value_of("small_sends_per_s", p, with(99, 2))) ==
	      "absent (no network layer in the profile: tune --net adds it)");
	std::vector<NetStackCount> from_file = {{net[0].stack, 160000, 0}};
	ev.net = &from_file;
	CHECK(to_string(value_of("small_sends_per_s", p, ev)) ==
	      "absent (send calls are not counted in a folded file)");
	// A rate needs the wall time; the mean does not.
	Evidence no_wall;
	no_wall.net = &net;
	CHECK(to_string(value_of("small_sends_per_s", p, no_wall)) ==
	      "absent (small_sends_per_s needs the wall time)");
	CHECK(num("small_send_bytes", p, no_wall) == Approx(40));
}

TEST_CASE("tune metrics: sync waits blamed on GPU work are CPU wall time, not GPU time", "[tune]")
{
	Profile p = fixture("gpu_wait.folded");  // total 100: 40 kernels, 35 waits (5 idle)
	CHECK(num("gpu", p) == Approx(0.40));
	CHECK(num("gpu_kernel", p) == Approx(0.40));
	CHECK(num("gpu_wait", p) == Approx(0.30));
	CHECK(num(R"(gpu_wait(kernel =~ "^sgemm"))", p) == Approx(0.24));
	CHECK(num(R"(gpu_wait(kernel = "relu_kernel"))", p) == Approx(0.06));
	CHECK(num("gpu_busy_s", p, with(10, {})) == Approx(4.0));
	Evidence ev;
	ev.freq = 10;
	ev.wall_s = 20;
	CHECK(num("gpu_idle", p, ev) == Approx(1 - 4.0 / 20));
	CHECK(num("gpu_wait", fixture("gpu.folded")) == Approx(0));

	// The finding's heaviest stack names the kernel the CPU waited for.
	auto rules = parse_rules("gpu_wait > 20% => suggest \"wait less\"\n", "test");
	REQUIRE(rules);
	ev.profile = &p;
	auto found = evaluate(*rules, ev).findings;
	REQUIRE(found.size() == 1);
	REQUIRE(!found[0].stacks.empty());
	CHECK(found[0].stacks[0].stack ==
	      "train;main;step;cudaStreamSynchronize;[GPU_Wait]sgemm_128x64");
	CHECK(found[0].stacks[0].share == Approx(0.24));
}

TEST_CASE("tune metrics: facts, counters, sysctls and three-valued logic", "[tune]")
{
	Profile p = fixture("malloc.folded");
	Evidence ev;
	ev.wall_s = 2;
	ev.facts["page_faults"] = Value::number(30000, Value::Unit::count);
	ev.facts["thp"] = Value::string("madvise");
	ev.facts["sysctl:vm.swappiness"] = Value::number(60);
	CHECK(num("page_faults_per_s", p, ev) == Approx(15000));
	CHECK(to_string(value_of("page_faults_per_s", p, ev)) == "15000/s");
	CHECK(num(R"(thp != "always")", p, ev) == 1);
	CHECK(num(R"(sysctl("vm.swappiness") == 60)", p, ev) == 1);
	// A sysctl that is no fact is read from /proc/sys.
	CHECK(num(R"(sysctl("kernel.pid_max") > 0)", p) == 1);
	CHECK(to_string(value_of(R"(sysctl("vm.no_such_knob"))", p)) == "absent (no sysctl vm.no_such_knob)");
	// Absent: neither true nor false, unless the other side decides.
	CHECK_FALSE(value_of("governor == \"powersave\"", p).present());
	CHECK(num("governor == \"powersave\" or oncpu > 50%", p) == 1);
	CHECK(num("governor == \"powersave\" and oncpu < 50%", p) == 0);
	CHECK_FALSE(value_of("governor == \"powersave\" and oncpu > 50%", p).present());
	CHECK_FALSE(value_of("thp > 1", p, ev).present());  // a string is not a number
	CHECK(fact_value("15%").num == Approx(0.15));
	CHECK(fact_value("[madvise]").str == "[madvise]");
}

TEST_CASE("tune evaluation: findings by impact, with readings and top stacks", "[tune]")
{
	Profile p = fixture("offcpu.folded");
	auto rules = parse_rules(
		"io: share(frame =~ \"^io_schedule\") > 30% => set ioprio be,0\n"
		"d: offcpu(state = \"D\") > 30% => set sysctl vm.dirty_background_ratio=5 impact 0.9\n"
		"never: oncpu > 90% => suggest cuda_graphs\n"
		"unknown: governor == \"powersave\" => set governor performance\n",
		"t.rules");
	REQUIRE(rules);
	Evidence ev;
	ev.profile = &p;
	auto res = evaluate(*rules, ev, 2);
	REQUIRE(res.findings.size() == 2);
	CHECK(res.findings[0].rule->name == "d");  // impact 0.9 before 0.6
	CHECK(res.findings[0].impact == Approx(0.9));
	CHECK(res.findings[1].rule->name == "io");
	CHECK(res.findings[1].impact == Approx(0.6));
	REQUIRE(res.findings[1].readings.size() == 1);
	CHECK(res.findings[1].readings[0].metric == R"(share(frame =~ "^io_schedule"))");
	CHECK(to_string(res.findings[1].readings[0].value) == "60.0%");
	REQUIRE(res.findings[1].stacks.size() == 2);
	CHECK(res.findings[1].stacks[0].stack ==
	      "writer;main;write;vfs_write_[k];balance_dirty_pages_[k];io_schedule_[k];[off-cpu:D]");
	CHECK(res.findings[1].stacks[0].share == Approx(0.5));
	CHECK(res.findings[1].stacks[1].share == Approx(0.1));
	REQUIRE(res.skipped.size() == 1);
	CHECK(res.skipped[0].rule->name == "unknown");
	CHECK(res.skipped[0].why == "governor was not collected");
}

TEST_CASE("tune evaluation: the built-in rules on the fixtures", "[tune]")
{
	auto rules = parse_rules(kBuiltinRules, "built-in");
	REQUIRE(rules);
	auto fired = [&](const Profile &p, Evidence ev) {
		ev.profile = &p;
		ev.read_sysctls = false;
		ev.facts["sysctl:vm.dirty_background_ratio"] = Value::number(10);
		std::vector<std::string> names;
		for (const auto &f : evaluate(*rules, ev).findings)
			names.push_back(f.rule->name);
		return names;
	};
	using V = std::vector<std::string>;
	CHECK(fired(fixture("malloc.folded"), {}) == V{"allocator"});
	CHECK(fired(fixture("offcpu.folded"), {}) == V{"dirty-writeback", "io-priority"});
	CHECK(fired(fixture("gpu.folded"), with(99, 100)) == V{"gpu-idle", "pinned-memory", "cuda-graphs"});
	CHECK(fired(fixture("gpu_wait.folded"), with(10, 20)) == V{"gpu-idle", "gpu-sync-wait"});
	Evidence many;
	many.wall_s = 1;
	many.facts["thp"] = Value::string("madvise");
	many.facts["page_faults"] = Value::number(80000);
	many.facts["numa_nodes"] = Value::number(2);
	many.facts["migrations"] = Value::number(5000);
	many.facts["governor"] = Value::string("powersave");
	CHECK(fired(fixture("malloc.folded"), many) ==
	      V{"governor", "allocator", "numa-affinity", "numa-memory", "thp-page-faults"});
}

TEST_CASE("tune rules: the man page lists every built-in rule as compiled in", "[tune]")
{
	std::string page = xpu::test::read_file(xpu::test::build_dir() + "/../man/xpu-perf-tune.1");
	REQUIRE(!page.empty());
	// roff escapes back to text: "\-" is "-", "\e" is "\".
	std::string text;
	for (size_t i = 0; i < page.size(); i++) {
		if (page[i] == '\\' && i + 1 < page.size() && (page[i + 1] == '-' || page[i + 1] == 'e')) {
			text += page[i + 1] == '-' ? '-' : '\\';
			i++;
		} else {
			text += page[i];
		}
	}
	auto rules = parse_rules(kBuiltinRules, "built-in");
	REQUIRE(rules);
	for (const auto &r : *rules) {
		INFO(r.name);
		CHECK(text.find(".B " + r.name + "\n") != std::string::npos);
		CHECK(text.find(r.text.substr(r.name.size() + 2)) != std::string::npos);
	}
}

TEST_CASE("tune evaluation: a rule's impact also when it does not fire", "[tune]")
{
	Profile p = fixture("offcpu.folded");
	Evidence ev;
	ev.profile = &p;
	CHECK(impact_of(rule(R"(offcpu(state = "R") > 20% => set nice -5)"), ev) == Approx(0.05));
	CHECK(impact_of(rule(R"(offcpu > 2 => set nice -5 impact offcpu / 2)"), ev) == Approx(0.425));
	CHECK(impact_of(rule(R"(sysctl("x") > 2 => set nice -5)"), ev) == 0);  // not a share
}

TEST_CASE("tune metrics: off-CPU metrics are absent when off-CPU time was not profiled", "[tune]")
{
	Profile p = fixture("malloc.folded");
	Evidence ev;
	ev.offcpu_profiled = false;
	CHECK(to_string(value_of(R"(offcpu(state = "R") > 20%)", p, ev)) == "absent (off-CPU time was not profiled)");
	ev.offcpu_profiled = true;
	CHECK(num("offcpu", p, ev) == 0);
}
