// The live page's GPU timeline: GpuTimeline a window at a time (what is
// ready, calls kept until CUPTI timed them or their patience ran out), as
// session/timeline_input draws its events, and the JSON the page draws,
// exactly.
#include <catch2/catch.hpp>

#include "gpu/gpu_protocol.h"
#include "gpu/gpu_timeline.hpp"
#include "live/timeline_json.hpp"
#include "session/timeline_input.hpp"

using namespace xpu;

namespace {

LaunchEvent call(uint32_t corr, uint64_t ts_ns, uint32_t cbid = 211)
{
	LaunchEvent l;
	l.where.pid = 40;
	l.where.tid = 41;
	l.where.comm = "app";
	l.where.ustack = corr;
	l.ts_ns = ts_ns;
	l.corr = corr;
	l.cbid = cbid;
	l.domain = gpu_proto::kDomainRuntime;
	return l;
}

GpuActivity kernel(uint32_t corr, uint32_t stream, uint64_t start, uint64_t end, const char *name)
{
	GpuActivity a;
	a.pid = 40;
	a.corr = corr;
	a.stream = stream;
	a.start = start;
	a.end = end;
	a.name = name;
	return a;
}

GpuApiCall timed(uint32_t corr, uint64_t start, uint64_t end)
{
	GpuApiCall c;
	c.pid = 40;
	c.tid = 41;
	c.corr = corr;
	c.cbid = 211;
	c.start = start;
	c.end = end;
	return c;
}

// call() sets the user stack's hash to the correlation id.
std::vector<std::string> stack_of(const ThreadStacks &t) { return {"main", "step", "f" + std::to_string(t.ustack)}; }

TraceInput take_window(GpuTimeline &t)
{
	std::vector<Event> events;
	t.take_window(events);
	return timeline_input(events, {.launch = stack_of, .thread = {}, .skip = {}});
}

}  // namespace

TEST_CASE("live timeline: each window gives what is ready, calls once CUPTI timed them", "[gpu][live]")
{
	GpuTimeline t;
	t.set_api_name(40, gpu_proto::kDomainRuntime, 211, "cudaLaunchKernel_v7000");
	t.add_launch(call(1, 5000));
	t.add_launch(call(2, 6000));
	LaunchEvent sync = call(3, 7000, 131);
	t.add_sync_call(sync);
	t.add_activity(kernel(1, 7, 10000, 50000, "k_a"));
	t.add_api_call(timed(1, 4000, 9000));
	t.add_api_call(timed(3, 60000, 160000));

	auto w1 = take_window(t);
	REQUIRE(w1.gpu.size() == 1);
	REQUIRE(w1.calls.size() == 1);  // call 2 waits for its A record
	CHECK(w1.calls[0].corr == 1);
	CHECK(w1.calls[0].api == "cudaLaunchKernel");
	CHECK(w1.calls[0].start == 4000);
	CHECK(w1.calls[0].end == 9000);
	REQUIRE(w1.waits.size() == 1);
	CHECK(w1.waits[0].start == 60000);
	CHECK(w1.waits[0].end == 160000);
	CHECK(w1.waits[0].stack == std::vector<std::string>{"main", "step", "f3"});
	CHECK(t.call_stacks().size() == 1);  // call 2's, still to come

	// Its A record in the next window: it comes with its interval.
	t.add_api_call(timed(2, 5500, 6500));
	auto w2 = take_window(t);
	REQUIRE(w2.calls.size() == 1);
	CHECK(w2.calls[0].corr == 2);
	CHECK(w2.calls[0].start == 5500);
	CHECK(w2.gpu.empty());

	// Never timed: shown at the hook's moment after two windows.
	t.add_launch(call(4, 8000));
	CHECK(take_window(t).calls.empty());
	CHECK(take_window(t).calls.empty());
	auto w5 = take_window(t);
	REQUIRE(w5.calls.size() == 1);
	CHECK(w5.calls[0].start == 8000);
	CHECK(w5.calls[0].end == 8000);
	CHECK(t.call_stacks().empty());
	// record --trace's whole timeline is not where these went.
	CHECK(t.launches().empty());
	CHECK(t.activities().empty());
}

TEST_CASE("live timeline: the page's JSON, exactly, and its bound", "[gpu][live]")
{
	TraceInput in;
	GpuActivity k = kernel(1, 7, 1000000, 1040000, "k_a");
	GpuActivity copy = kernel(2, 9, 1050000, 1050500, "");
	copy.kind = GpuKind::memcpy;
	copy.copy_kind = 1;  // HtoD
	in.gpu = {k, copy};
	in.calls.push_back({.pid = 40, .tid = 41, .corr = 1, .driver = false, .api = "cudaLaunchKernel",
			    .start = 999000, .end = 1000000,
			    .stack = {"_start", "main", "train", "step", "launch"}});
	in.waits.push_back({.pid = 40, .tid = 41, .corr = 3, .api = "cudaStreamSynchronize", .start = 1001000,
			    .end = 1041234, .stack = {"main"}, .waited_for = {}});
	in.thread_names[{40, 41}] = "app";
	CHECK(timeline_window_json(7, in, 100) ==
	      R"({"window":7,"gpu":[{"pid":40,"dev":0,"stream":7,"name":"k_a","cat":"kernel","s":1000.0,"d":40.0,"corr":1},)"
	      R"({"pid":40,"dev":0,"stream":9,"name":"Memcpy HtoD","cat":"gpu_memcpy","s":1050.0,"d":0.5,"corr":2}],)"
	      R"("calls":[{"pid":40,"tid":41,"api":"cudaLaunchKernel","s":999.0,"d":1.0,"corr":1,"at":"main;train;step;launch"}],)"
	      R"("waits":[{"pid":40,"tid":41,"api":"cudaStreamSynchronize","s":1001.0,"d":40.2,"at":"main"}],)"
	      R"("threads":[{"pid":40,"tid":41,"name":"app"}],"dropped":0})");
	// Two events at most: the earliest two (the call, then the kernel).
	std::string two = timeline_window_json(7, in, 2);
	CHECK(two.find(R"("name":"k_a")") != std::string::npos);
	CHECK(two.find(R"("api":"cudaLaunchKernel")") != std::string::npos);
	CHECK(two.find("Memcpy") == std::string::npos);
	CHECK(two.find("Synchronize") == std::string::npos);
	CHECK(two.ends_with(R"("dropped":2})"));
}
