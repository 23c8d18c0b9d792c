// record --trace's Chrome trace-event JSON (lib/gpu/trace_writer) on
// made-up input, exactly: GPU work, and what speedscope needs of it
// (speedscope keys a slice by name and args, so two slices back to back on
// one lane with both equal become one frame;
// tests/shell/trace_speedscope_chromium.sh opens the file there); and
// off-CPU intervals (--trace-off-cpu) with the session's step that makes
// them from the tracer's waits (lib/session/timeline_input).
#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <tuple>

#include "bpf/common.h"
#include "gpu/trace_writer.hpp"
#include "profile/profile_builder.hpp"
#include "session/timeline_input.hpp"
#include "session/record.hpp"
#include "thread_stacks.hpp"

using namespace xpu;

namespace {

GpuActivity kernel(uint32_t corr, uint64_t start_us, uint64_t us, const char *name)
{
	GpuActivity a;
	a.pid = 40;
	a.corr = corr;
	a.stream = 7;
	a.start = start_us * 1000;
	a.end = (start_us + us) * 1000;
	a.name = name;
	return a;
}

// A graph launch of three kernels of one name (corr 10, graph 5, nodes 1-3)
// after two plain launches of that kernel.
TraceInput graph_launch()
{
	TraceInput in;
	in.gpu = {kernel(1, 1000, 10, "_Z4stepv"), kernel(2, 1010, 10, "_Z4stepv")};
	for (uint64_t node = 1; node <= 3; node++) {
		GpuActivity a = kernel(10, 1020 + 5 * (node - 1), 5, "_Z4stepv");
		a.graph_id = 5;
		a.graph_node = node;
		in.gpu.push_back(a);
	}
	in.calls.push_back({.pid = 40, .tid = 41, .corr = 10, .driver = false, .api = "cudaGraphLaunch",
			    .start = 900000, .end = 900000, .stack = {"main"}});
	return in;
}

std::vector<std::string> lines_with(const std::string &doc, const std::string &what)
{
	std::vector<std::string> out;
	std::istringstream in(doc);
	for (std::string line; std::getline(in, line);)
		if (line.find(what) != std::string::npos)
			out.push_back(line.ends_with(",") ? line.substr(0, line.size() - 1) : line);
	return out;
}

// `"key":value` of a one-line event, up to the next top-level comma.
std::string field(const std::string &event, const std::string &key)
{
	size_t at = event.find("\"" + key + "\":");
	REQUIRE(at != std::string::npos);
	at += key.size() + 3;
	int depth = 0;
	size_t end = at;
	for (bool quoted = false; end < event.size(); end++) {
		char ch = event[end];
		if (quoted) {
			if (ch == '\\')
				end++;
			else if (ch == '"')
				quoted = false;
		} else if (ch == '"') {
			quoted = true;
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (depth-- == 0)
				break;
		} else if (ch == ',' && depth == 0) {
			break;
		}
	}
	return event.substr(at, end - at);
}

}  // namespace

TEST_CASE("trace writer: a graph's kernels carry their node", "[gpu][trace]")
{
	// The kernel's name ends in ")", so the raw strings are R"j(...)j".
	auto gpu = lines_with(trace_json(graph_launch()), R"("cat":"kernel")");
	REQUIRE(gpu.size() == 5);
	CHECK(gpu[0] == R"j({"ph":"X","cat":"kernel","name":"step()","pid":0,"tid":7,"ts":1000.000,)j"
			R"j("dur":10.000,"args":{"device":0,"stream":7,"correlation":1}})j");
	for (int node = 1; node <= 3; node++) {
		std::string ts = std::to_string(1020 + 5 * (node - 1)), n = std::to_string(node);
		CHECK(gpu[1 + node] == R"j({"ph":"X","cat":"kernel","name":"step()","pid":0,"tid":7,"ts":)j" + ts +
					       R"j(.000,"dur":5.000,"args":{"device":0,"stream":7,"correlation":10,)j"
					       R"j("graph id":5,"graph node":)j" + n + "}}");
	}
}

TEST_CASE("trace writer: no two slices back to back on a lane share name and args", "[gpu][trace]")
{
	TraceInput in = graph_launch();
	GpuActivity copy = kernel(20, 1035, 2, "");
	copy.kind = GpuKind::memcpy;
	copy.copy_kind = 1;
	copy.bytes = 4096;
	in.gpu.push_back(copy);
	// (pid, tid) -> the lane's slices in time order, as speedscope orders them.
	std::map<std::pair<std::string, std::string>, std::vector<std::tuple<double, std::string, std::string>>> lanes;
	for (const auto &e : lines_with(trace_json(in), R"("ph":"X")"))
		lanes[{field(e, "pid"), field(e, "tid")}].emplace_back(std::stod(field(e, "ts")), field(e, "name"),
								       field(e, "args"));
	REQUIRE(lanes.size() == 2);
	REQUIRE(lanes[{"0", "7"}].size() == 6);
	for (auto &[lane, slices] : lanes) {
		std::sort(slices.begin(), slices.end());
		for (size_t i = 1; i < slices.size(); i++) {
			INFO(std::get<1>(slices[i]) << " " << std::get<2>(slices[i]));
			CHECK(std::tie(std::get<1>(slices[i - 1]), std::get<2>(slices[i - 1])) !=
			      std::tie(std::get<1>(slices[i]), std::get<2>(slices[i])));
		}
	}
}

TEST_CASE("trace: an off-CPU interval is an X slice on its thread's lane", "[trace][offcpu]")
{
	TraceInput in;
	in.thread_names[{40, 41}] = "worker";
	// Given out of order: written by start time.
	using Frames = std::vector<std::string>;
	in.offcpu.push_back({.pid = 40, .tid = 41, .state = 'D', .start = 3000000, .end = 3000500,
			     .stack = std::make_shared<const Frames>()});
	in.offcpu.push_back({.pid = 40, .tid = 41, .state = 'S', .start = 1000000, .end = 1025000123,
			     .stack = std::make_shared<const Frames>(
				     Frames{"_start", "main", "nap", "do_nanosleep_[k]"})});
	CHECK(trace_json(in) ==
	      "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
	      R"({"ph":"M","name":"thread_name","pid":40,"tid":41,"args":{"name":"worker"}},)"
	      "\n"
	      R"({"ph":"X","cat":"off_cpu","name":"[off-cpu:S]","pid":40,"tid":41,"ts":1000.000,)"
	      R"("dur":1024000.123,"args":{"state":"S","stack":["_start","main","nap","do_nanosleep_[k]"]}},)"
	      "\n"
	      R"({"ph":"X","cat":"off_cpu","name":"[off-cpu:D]","pid":40,"tid":41,"ts":3000.000,)"
	      R"("dur":0.500,"args":{"state":"D","stack":[]}})"
	      "\n]}\n");
}

TEST_CASE("trace: the tracer's waits become slices, the held child's left out", "[trace][offcpu]")
{
	auto blocked_count = [](pid_t pid, pid_t tid, const char *comm, char state, uint64_t ns) {
		OffCpuAttrs a;
		a.state = state;
		return offcpu_event(test::thread_stacks(pid, tid, comm), a, ns, 1);
	};
	auto wait = [](pid_t pid, pid_t tid, const char *comm, uint32_t flags, uint64_t start) {
		OffCpuAttrs sleeping;
		sleeping.state = 'S';
		Event w = offcpu_event(test::thread_stacks(pid, tid, comm, 0, flags), sleeping, 0, 0);
		w.start_ns = start;
		w.dur_ns = 5000;
		return w;
	};
	std::vector<Event> waits = {
		wait(7, 7, "xpu-perf", 0, 100),  // the held child, before its exec
		wait(7, 8, "pool", XPU_KEY_USTACK_ERR, 200),
		wait(7, 7, "app", XPU_KEY_USTACK_ERR | XPU_KEY_KSTACK_ERR, 300),
		wait(7, 8, "pool-renamed", XPU_KEY_USTACK_ERR, 400),
		// Not timed waits: the counts, which the timeline does not draw.
		blocked_count(7, 9, "counted", 'S', 70000),
		cpu_sample_event({}, 3),
	};
	Symbolizer sym;
	StackStore none;
	TraceInput in = timeline_input(
		waits, {.launch = {},
			.thread = [&](const ThreadStacks &t) { return thread_frames(t, none, sym); },
			.skip = [](const ThreadStacks &t) { return t.comm == "xpu-perf"; }});
	REQUIRE(in.offcpu.size() == 3);
	CHECK(in.offcpu[0].tid == 8);
	CHECK(in.offcpu[0].start == 200);
	CHECK(in.offcpu[0].end == 5200);
	CHECK(*in.offcpu[0].stack == std::vector<std::string>{"[Missed User Stack]"});
	CHECK(*in.offcpu[1].stack ==
	      std::vector<std::string>{"[Missed User Stack]", "[Missed Kernel Stack]"});
	CHECK(in.offcpu[0].stack == in.offcpu[2].stack);  // one place: named once, shared
	// The process is named by its main thread; a thread by its latest name.
	CHECK(in.process_names == std::map<pid_t, std::string>{{7, "app"}});
	CHECK(in.thread_names.at({7, 8}) == "pool-renamed");
	CHECK(in.thread_names.at({7, 7}) == "app");
}

TEST_CASE("trace: the summary counts the waits drawn and those left out", "[trace][offcpu]")
{
	RecordSummary sum;
	auto last = [&] { return format_summary(sum, "out.folded").back(); };
	CHECK(last().find("off-CPU timeline") == std::string::npos);  // without the flag
	sum.offcpu_timeline = OffCpuTimelineCount{.drawn = 1200, .dropped = 0};
	CHECK(last() == "  off-CPU timeline: 1200 intervals drawn, 0 dropped");
	sum.offcpu_timeline = OffCpuTimelineCount{.drawn = 110000, .dropped = 37};
	CHECK(last() == "  off-CPU timeline: 110000 intervals drawn, 37 dropped (left out of the "
			"timeline, not of the profile: a higher --min-block draws fewer)");
}
