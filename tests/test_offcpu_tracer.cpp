// The off-CPU tracer in process, where the kernel side can be made to miss
// what a kernel sometimes misses: a switch that brings a thread back
// (bpf/offcpu.bpf.c, unseen_return).
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "kernel/bpf_session.hpp"
#include "kernel/offcpu_tracer.hpp"

using namespace xpu;

namespace {

uint64_t now_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// A child that waits for a byte on `go`, then naps `naps` times for 40 ms
// and writes the nanoseconds its naps took, timed around each nanosleep,
// to `out`. Never returns.
[[noreturn]] void napper(int go, int out, int naps)
{
	char c;
	if (read(go, &c, 1) != 1)
		_exit(1);
	uint64_t took = 0;
	for (int i = 0; i < naps; i++) {
		timespec nap = {0, 40 * 1000 * 1000};
		uint64_t start = now_ns();
		nanosleep(&nap, nullptr);
		took += now_ns() - start;
	}
	_exit(write(out, &took, sizeof(took)) == sizeof(took) ? 0 : 1);
}

}  // namespace

TEST_CASE("off-CPU: a wait whose end the kernel never reported counts to where it ended",
	  "[bpf][offcpu]")
{
	if (geteuid() != 0)
		XPU_SKIP("needs root to load BPF programs");
	// No switch in reaches the program: each nap stays open until the
	// child leaves the CPU again (the next nap, or its exit), which closes
	// it where the child's CPU time says it came back. Before, the next nap
	// overwrote it and the last went with the thread: nothing was counted.
	BpfOptions bo;
	bo.oncpu = false;
	bo.offcpu = true;
	bo.min_block_ns = 2 * 1000 * 1000;  // the naps, not the short waits around them
	bo.drop_switch_ins = true;
	auto opened = BpfSession::open(bo);
	REQUIRE(opened);
	BpfSession &bpf = **opened;

	int go[2], out[2];
	REQUIRE(pipe(go) == 0);
	REQUIRE(pipe(out) == 0);
	pid_t child = fork();
	REQUIRE(child >= 0);
	if (child == 0)
		napper(go[0], out[1], 3);
	REQUIRE(bpf.add_target(child));
	REQUIRE(bpf.track_processes());
	OffCpuTracer tracer(bpf);
	REQUIRE(tracer.start());
	REQUIRE(write(go[1], "x", 1) == 1);
	uint64_t took = 0;
	REQUIRE(read(out[0], &took, sizeof(took)) == sizeof(took));
	int status = 0;
	REQUIRE(waitpid(child, &status, 0) == child);
	REQUIRE(tracer.stop());
	for (int fd : {go[0], go[1], out[0], out[1]})
		close(fd);

	std::vector<Event> events;
	REQUIRE(tracer.read_events(events));
	uint64_t napped = 0, naps = 0;
	for (const Event &e : events) {
		if (e.where.tid != child || e.offcpu().state != 'S')
			continue;
		napped += e.weight;
		naps += e.count;
	}
	INFO("the child timed " << took << " ns of naps; counted " << napped << " ns in " << naps);
	CHECK(naps == 3);
	// Each nap as counted lies inside the child's own timing of it, less
	// the few microseconds the CPU-time estimate may be off by.
	CHECK(napped <= took + 100 * 1000);
	CHECK(napped + 3 * 1000 * 1000 >= took);
	CHECK(bpf.stats().offcpu_unseen >= 3);
}
