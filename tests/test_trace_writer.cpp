// record --trace's document (lib/gpu/trace_writer) for off-CPU intervals
// (--trace-off-cpu), exactly, and the session's step that makes them from
// the tracer's waits (lib/session/offcpu_timeline).
#include <catch2/catch.hpp>

#include "bpf/common.h"
#include "gpu/trace_writer.hpp"
#include "session/offcpu_timeline.hpp"
#include "session/record.hpp"

using namespace xpu;

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
	auto wait = [](pid_t pid, pid_t tid, const char *comm, uint32_t flags, uint64_t start) {
		OffCpuInterval w;
		w.where.pid = pid;
		w.where.tid = tid;
		w.where.comm = comm;
		w.where.flags = flags;
		w.state = 'S';
		w.start_ns = start;
		w.ns = 5000;
		return w;
	};
	std::vector<OffCpuInterval> waits = {
		wait(7, 7, "xpu-perf", 0, 100),  // the held child, before its exec
		wait(7, 8, "pool", XPU_KEY_USTACK_ERR, 200),
		wait(7, 7, "app", XPU_KEY_USTACK_ERR | XPU_KEY_KSTACK_ERR, 300),
		wait(7, 8, "pool-renamed", XPU_KEY_USTACK_ERR, 400),
	};
	TraceInput in;
	Symbolizer sym;
	add_offcpu_timeline(in, waits, {}, sym, [](const ThreadStacks &t) { return t.comm == "xpu-perf"; });
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
