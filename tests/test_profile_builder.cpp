// The folded layout of on-CPU and off-CPU counts, without the kernel: stack
// hashes that the store does not hold contribute no frames, so only the
// root, the markers and the weights remain, and they are exact.
#include <catch2/catch.hpp>

#include "bpf/common.h"
#include "profile/profile_builder.hpp"
#include "output/writer_folded.hpp"
#include "thread_stacks.hpp"

using namespace xpu;
using xpu::test::thread_stacks;

namespace {
Event blocked(ThreadStacks t, char state, uint64_t ns)
{
	OffCpuAttrs a;
	a.state = state;
	return offcpu_event(std::move(t), a, ns, 1);
}
}  // namespace

TEST_CASE("off-CPU stacks end in [off-cpu:STATE], in samples at the frequency", "[offcpu]")
{
	EventSet set;
	set.events.push_back(cpu_sample_event(thread_stacks(10, 10, "app"), 7));
	// Two kernel-side keys that fold to the same line: summed before
	// rounding (3 x 4 ms = 12 ms = 1.2 samples at 100 Hz -> 1).
	set.events.push_back(blocked(thread_stacks(10, 10, "app"), 'S', 4000000));
	set.events.push_back(blocked(thread_stacks(10, 10, "app"), 'S', 4000000));
	set.events.push_back(blocked(thread_stacks(10, 11, "app"), 'S', 4000000));
	set.events.push_back(blocked(thread_stacks(10, 10, "app"), 'D', 25000000));  // 2.5 -> 3
	set.events.push_back(blocked(thread_stacks(10, 10, "app"), 'R', 1000000));   // 0.1 -> dropped
	// A timeline's copy of a wait already counted: no weight, nothing added.
	Event copy = blocked(thread_stacks(10, 10, "app"), 'S', 0);
	copy.start_ns = 1;
	copy.dur_ns = 90000000;
	set.events.push_back(copy);
	Symbolizer sym;
	Profile p = build_profile(set, sym, StackLayout{.pid_prefix = false, .freq = 100});
	CHECK(to_folded(p) == "app 7\n"
			      "app;[off-cpu:D] 3\n"
			      "app;[off-cpu:S] 1\n");
}

TEST_CASE("wakers follow a -- frame, leaf first, ending in the waker's name", "[offcpu]")
{
	EventSet set;
	OffCpuAttrs woken;
	woken.state = 'S';
	woken.has_waker = true;
	woken.waker = thread_stacks(20, 0, "writer");
	set.events.push_back(offcpu_event(thread_stacks(10, 10, "reader"), woken, 30000000, 1));
	Symbolizer sym;
	Profile p = build_profile(set, sym, StackLayout{.pid_prefix = true, .freq = 100});
	CHECK(to_folded(p) == "reader-10;[off-cpu:S];--;writer 3\n");
}

TEST_CASE("stacks the kernel could not take are marked, not dropped", "[offcpu]")
{
	EventSet set;
	ThreadStacks t = thread_stacks(10, 10, "app");
	t.flags = XPU_KEY_USTACK_ERR | XPU_KEY_KSTACK_ERR;
	set.events.push_back(cpu_sample_event(t, 2));
	set.events.push_back(blocked(t, 'S', 10000000));
	Symbolizer sym;
	Profile p = build_profile(set, sym, StackLayout{.pid_prefix = false, .freq = 100});
	CHECK(to_folded(p) == "app;[Missed User Stack];[Missed Kernel Stack] 2\n"
			      "app;[Missed User Stack];[Missed Kernel Stack];[off-cpu:S] 1\n");
}

TEST_CASE("process_times splits on-CPU from off-CPU per process", "[offcpu]")
{
	EventSet set;
	set.events.push_back(cpu_sample_event(thread_stacks(10, 11, "worker"), 50));
	set.events.push_back(cpu_sample_event(thread_stacks(10, 10, "app"), 49));
	set.events.push_back(blocked(thread_stacks(10, 10, "app"), 'S', 2000000000));
	set.events.push_back(blocked(thread_stacks(10, 11, "worker"), 'D', 500000000));
	set.events.push_back(cpu_sample_event(thread_stacks(30, 30, "small"), 1));
	auto procs = process_times(set, 99);
	REQUIRE(procs.size() == 2);
	CHECK(procs[0].pid == 10);
	CHECK(procs[0].comm == "app");  // the main thread names the process
	CHECK(procs[0].oncpu_samples == 99);
	CHECK(procs[0].offcpu_ns.at('S') == 2000000000);
	CHECK(procs[0].offcpu_ns.at('D') == 500000000);
	CHECK(procs[0].offcpu_total_ns() == 2500000000);
	CHECK(procs[1].pid == 30);
}
