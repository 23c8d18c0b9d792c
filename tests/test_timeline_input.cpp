// session/timeline_input on a hand-made EventSet: the timed events become
// record --trace's timeline (GPU record, API call and its flow, blamed sync
// wait, off-CPU wait), the counted ones are left out, and the JSON is
// exactly this.
#include <catch2/catch.hpp>

#include <string>
#include <tuple>
#include <vector>

#include "gpu/gpu_timeline.hpp"
#include "gpu/trace_writer.hpp"
#include "session/timeline_input.hpp"
#include "thread_stacks.hpp"

using namespace xpu;
using xpu::test::thread_stacks;

namespace {

Event timed(EventKind kind, ThreadStacks where, uint64_t start, uint64_t dur, uint32_t corr, EventAttrs attrs)
{
	Event e;
	e.kind = kind;
	e.where = std::move(where);
	e.start_ns = start;
	e.dur_ns = dur;
	e.correlation = corr;
	e.attrs = std::make_shared<const EventAttrs>(std::move(attrs));
	return e;
}

// A stack named by its hash: "main" and the hash, root first.
std::vector<std::string> named(const ThreadStacks &t) { return {"main", "s" + std::to_string(t.ustack)}; }

std::vector<Event> one_of_each()
{
	std::vector<Event> events;
	// Counted: on-CPU samples, the kernel's GPU time, the wait's blame.
	events.push_back(cpu_sample_event(thread_stacks(40, 41, "app", 1), 3));
	events.push_back(gpu_event(EventKind::gpu_work, thread_stacks(40, 41, "app", 1),
				   GpuAttrs{.api = "cudaLaunchKernel", .stream = {}, .leaf = "[GPU_Kernel]add"}, 40000, 1));
	events.push_back(gpu_event(EventKind::gpu_wait, thread_stacks(40, 41, "app", 2),
				   GpuAttrs{.api = "cudaDeviceSynchronize", .stream = {}, .leaf = "[GPU_Wait]add"}, 30000, 1));
	// Timed: an off-CPU wait (in the tracer's place in the set: first).
	OffCpuAttrs sleeping;
	sleeping.state = 'S';
	events.push_back(timed(EventKind::off_cpu, thread_stacks(40, 42, "loader", 3), 1200000, 5000, 0, sleeping));
	// The GPU layer's: the kernel, its launch (CUPTI's interval), the wait.
	GpuActivity k;
	k.pid = 40;
	k.corr = 7;
	k.start = 1010000;
	k.end = 1050000;
	k.stream = 13;
	k.name = "_Z3addPfi";
	events.push_back(gpu_record_event(k, std::make_shared<const EventAttrs>(static_cast<const GpuRecordAttrs &>(k))));
	events.push_back(timed(EventKind::gpu_call, thread_stacks(40, 41, "app", 1), 1000000, 4000, 7,
			       GpuCallAttrs{.api = "cudaLaunchKernel", .driver = false, .sync = false}));
	events.push_back(timed(EventKind::gpu_wait, thread_stacks(40, 41, "app", 2), 1020000, 40000, 8,
			       GpuWaitAttrs{.api = "cudaDeviceSynchronize",
					    .waited_for = {{"add(float*, int)", 30000}, {"[idle]", 10000}}}));
	return events;
}

}  // namespace

TEST_CASE("timeline input: a set's timed events as the trace, the counted ones left out", "[trace][gpu]")
{
	std::vector<Event> events = one_of_each();
	std::vector<ThreadStacks> named_stacks;
	TraceInput in = timeline_input(events, {.launch = [&](const ThreadStacks &t) {
							named_stacks.push_back(t);
							return named(t);
						},
						.thread = named,
						.skip = {}});
	REQUIRE(in.gpu.size() == 1);
	CHECK(in.gpu[0].name == "_Z3addPfi");
	CHECK(in.gpu[0].end == 1050000);
	REQUIRE(in.calls.size() == 1);
	CHECK(in.calls[0].end == 1004000);
	REQUIRE(in.waits.size() == 1);
	CHECK(in.waits[0].waited_for.size() == 2);
	REQUIRE(in.offcpu.size() == 1);
	CHECK(named_stacks.size() == 2);  // the call's and the wait's, not the counted events'
	CHECK(trace_json(in) ==
	      "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
	      R"({"ph":"M","name":"process_name","pid":40,"tid":0,"args":{"name":"app"}},)" "\n"
	      R"({"ph":"M","name":"thread_name","pid":40,"tid":41,"args":{"name":"app"}},)" "\n"
	      R"({"ph":"M","name":"thread_name","pid":40,"tid":42,"args":{"name":"loader"}},)" "\n"
	      R"({"ph":"M","name":"process_name","pid":0,"tid":0,"args":{"name":"GPU 0"}},)" "\n"
	      R"({"ph":"M","name":"thread_name","pid":0,"tid":13,"args":{"name":"stream 13"}},)" "\n"
	      R"({"ph":"X","cat":"cuda_runtime","name":"cudaLaunchKernel","pid":40,"tid":41,"ts":1000.000,"dur":4.000,"args":{"correlation":7,"stack":["main","s1"]}},)" "\n"
	      R"({"ph":"s","cat":"ac2g","name":"ac2g","id":7,"pid":40,"tid":41,"ts":1000.000},)" "\n"
	      R"({"ph":"f","cat":"ac2g","name":"ac2g","id":7,"pid":0,"tid":13,"ts":1010.000,"bp":"e"},)" "\n"
	      R"j({"ph":"X","cat":"cuda_sync","name":"cudaDeviceSynchronize","pid":40,"tid":41,"ts":1020.000,"dur":40.000,"args":{"correlation":8,"stack":["main","s2"],"waited for":{"add(float*, int)":30.000,"[idle]":10.000}}},)j" "\n"
	      R"({"ph":"X","cat":"off_cpu","name":"[off-cpu:S]","pid":40,"tid":42,"ts":1200.000,"dur":5.000,"args":{"state":"S","stack":["main","s3"]}},)" "\n"
	      R"j({"ph":"X","cat":"kernel","name":"add(float*, int)","pid":0,"tid":13,"ts":1010.000,"dur":40.000,"args":{"device":0,"stream":13,"correlation":7}})j" "\n"
	      "]}\n");
}

TEST_CASE("timeline input: live's synchronizing call is a wait without its blame; no off-CPU namer, no off-CPU waits",
	  "[trace][gpu][live]")
{
	std::vector<Event> events = one_of_each();
	events.push_back(timed(EventKind::gpu_call, thread_stacks(40, 43, "sync", 4), 1100000, 0, 9,
			       GpuCallAttrs{.api = "cudaStreamSynchronize", .driver = false, .sync = true}));
	TraceInput in = timeline_input(events, {.launch = named, .thread = {}, .skip = {}});
	CHECK(in.offcpu.empty());
	CHECK(in.calls.size() == 1);
	REQUIRE(in.waits.size() == 2);
	const TraceWait &w = in.waits[1];
	CHECK(w.api == "cudaStreamSynchronize");
	CHECK(w.corr == 9);
	CHECK(w.start == 1100000);
	CHECK(w.end == 1100000);  // the hook's moment: CUPTI timed no interval
	CHECK(w.stack == std::vector<std::string>{"main", "s4"});
	CHECK(w.waited_for.empty());
	CHECK(in.thread_names.at({40, 43}) == "sync");
	CHECK_FALSE(in.thread_names.contains({40, 42}));  // the off-CPU wait's thread
}

TEST_CASE("timeline input: records share their attributes, and read back as they came", "[trace][gpu]")
{
	GpuTimeline t;
	GpuActivity copy;
	copy.pid = 40;
	copy.kind = GpuKind::memcpy;
	copy.corr = 3;
	copy.start = 5000;
	copy.end = 4000;  // CUPTI's end before its start: still the same record back
	copy.device = 1;
	copy.context = 2;
	copy.stream = 9;
	copy.copy_kind = 1;
	copy.src_kind = 1;
	copy.dst_kind = 3;
	copy.bytes = 4096;
	copy.graph_id = 5;
	copy.graph_node = 6;
	copy.flags = 1;
	t.add_activity(copy);
	copy.corr = 4;
	t.add_activity(copy);
	copy.bytes = 8192;
	t.add_activity(copy);
	std::vector<Event> events;
	t.take_all(events);
	REQUIRE(events.size() == 3);
	CHECK(events[0].attrs == events[1].attrs);  // equal: one copy
	CHECK(events[1].attrs != events[2].attrs);
	CHECK(events[0].weight == 0);
	GpuActivity back = gpu_activity_of(events[2]);
	CHECK(back.pid == 40);
	CHECK(back.corr == 4);
	CHECK(back.start == 5000);
	CHECK(back.end == 4000);
	CHECK(back.kind == GpuKind::memcpy);
	CHECK(std::tie(back.device, back.context, back.stream) == std::tie(copy.device, copy.context, copy.stream));
	CHECK(std::tie(back.copy_kind, back.src_kind, back.dst_kind) ==
	      std::tie(copy.copy_kind, copy.src_kind, copy.dst_kind));
	CHECK(back.bytes == 8192);
	CHECK(std::tie(back.graph_id, back.graph_node, back.flags) == std::tie(copy.graph_id, copy.graph_node, copy.flags));
}
