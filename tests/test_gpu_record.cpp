// The GPU path end to end without a GPU: tests/fixtures/gpu/fake_cuda_app
// calls the injector's real launch hook (libxpu_launch_hook.so, the same
// source) with known correlation ids and writes the GPU records of those
// launches to the real pipe; xpu-perf's real uprobe, ring buffer, reader,
// correlator and symbolizer must hang each record under its launch stack.
// The expected weights are in tests/fixtures/gpu/fake_cuda_app.stream.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace xpu::test;

namespace {

using Folded = std::map<std::string, uint64_t>;

std::string app() { return build_dir() + "/fixtures/fake_cuda_app"; }
std::string hook_lib() { return build_dir() + "/fixtures/libxpu_launch_hook.so"; }
std::string stream() { return build_dir() + "/../tests/fixtures/gpu/fake_cuda_app.stream"; }

std::vector<std::string> gpu_flags(std::vector<std::string> more = {})
{
	std::vector<std::string> f = {"-F", "1000", "--gpu-injector", hook_lib()};
	f.insert(f.end(), more.begin(), more.end());
	return f;
}

// The GPU stacks (those with a GPU leaf), each cut to its part from `main`
// on, or whole when it has no main.
Folded gpu_stacks(const Folded &folded)
{
	Folded out;
	for (const auto &[stack, w] : folded) {
		if (stack.find("[GPU_") == std::string::npos)
			continue;
		size_t main = stack.find(";main;");
		out[main == std::string::npos ? stack : stack.substr(main + 1)] += w;
	}
	return out;
}

const Folded kExpected = {
	{"main;launch_scale;cudaLaunchKernel;[GPU_Kernel]void scale<float>(float*, int)", 30},
	{"main;launch_graph;cudaGraphLaunch;[GPU_Kernel]step()", 20},
	{"main;copy_inputs;cudaMemcpy;[GPU_Memcpy]HtoD(pageable)", 2},
	{"fake_cuda_app;[no_cpu_stack];[GPU_Kernel]void scale<float>(float*, int)", 7},
};

}  // namespace

TEST_CASE("record: GPU work under the CPU stack that launched it", "[bpf][gpu]")
{
	RunResult r;
	Folded folded = record_folded(gpu_flags(), {app(), stream()}, &r);
	CHECK(gpu_stacks(folded) == kExpected);
	// Rooted like the CPU stacks, under the process's name.
	for (const auto &[stack, w] : folded)
		if (stack.find("launch_scale;cudaLaunchKernel") != std::string::npos)
			CHECK(stack.starts_with("fake_cuda_app;_start;"));
	// CPU time is there too: the app sleeps 300 ms before it launches.
	CHECK(weight_with(folded, "[off-cpu:S]") > 200);
	// The app's own output and exit code are untouched.
	CHECK(r.out == "launched 5\n");
	CHECK(r.err.find("GPU: 5 launches, 8 kernels, 1 copies/memsets, 88.9% under their launch "
			 "stack, 59.00 ms of GPU time, 0 dropped") != std::string::npos);
}

TEST_CASE("record --gpu-only: only GPU work", "[bpf][gpu]")
{
	Folded folded = record_folded(gpu_flags({"--gpu-only"}), {app(), stream()});
	CHECK(gpu_stacks(folded) == kExpected);
	CHECK(total_weight(folded) == 59);
}

TEST_CASE("record --gpu-streams: a device:stream frame above each GPU leaf", "[bpf][gpu]")
{
	Folded folded = record_folded(gpu_flags({"--gpu-only", "--gpu-streams"}), {app(), stream()});
	CHECK(weight_with(folded, "[GPU_Stream]0:7") == 59);
	CHECK(gpu_stacks(folded).contains(
		"main;launch_graph;cudaGraphLaunch;[GPU_Stream]0:7;[GPU_Kernel]step()"));
}

TEST_CASE("record --no-gpu and --cpu-only leave GPU work out", "[bpf][gpu]")
{
	for (const char *flag : {"--no-gpu", "--cpu-only"}) {
		INFO(flag);
		RunResult r;
		Folded folded = record_folded(gpu_flags({flag}), {app(), stream()}, &r);
		CHECK(gpu_stacks(folded).empty());
		CHECK(r.err.find("GPU:") == std::string::npos);
		CHECK(r.out == "launched 5\n");
	}
}

TEST_CASE("record: GPU flags that cannot work are usage errors", "[gpu]")
{
	auto r = run({xpu_perf(), "record", "--gpu-only", "-a", "--duration", "1"});
	CHECK(r.exit_code == 1);
	CHECK(r.err.find("--gpu-only needs a command or -p") != std::string::npos);
	r = run({xpu_perf(), "record", "--gpu-only", "--no-gpu", "--", "true"});
	CHECK(r.exit_code == 1);
	r = run({xpu_perf(), "record", "--gpu-only", "--cpu-only", "--", "true"});
	CHECK(r.exit_code == 1);
	r = run({xpu_perf(), "record", "-o", temp_path("x.folded"), "--gpu-injector",
		 "/nonexistent/lib.so", "--", "true"});
	CHECK(r.exit_code == 1);
	CHECK(r.err.find("--gpu-injector /nonexistent/lib.so") != std::string::npos);
}

TEST_CASE("top --gpu: kernels by GPU time, the window the target exits in included", "[bpf][gpu]")
{
	auto r = run({xpu_perf(), "top", "-b", "-d", "0.2", "--gpu", "--gpu-injector", hook_lib(),
		      "--", app(), stream()});
	REQUIRE(r.exit_code == 0);
	// The last snapshot: 1 ms a sample; the unmatched kernel is still
	// within its grace when the target exits, so not yet shown.
	std::string last = r.out.substr(r.out.rfind("xpu-perf top"));
	INFO(last);
	CHECK(last.find("cupti") != std::string::npos);
	CHECK(last.find("GPU 0.05 s") != std::string::npos);
	CHECK(last.find("      30   57.69%  [GPU_Kernel]void scale<float>(float*, int)") !=
	      std::string::npos);
	CHECK(last.find("      20   38.46%  [GPU_Kernel]step()") != std::string::npos);
	CHECK(last.find("       2    3.85%  [GPU_Memcpy]HtoD(pageable)") != std::string::npos);
}

TEST_CASE("top --gpu without a command is a usage error", "[gpu]")
{
	auto r = run({xpu_perf(), "top", "--gpu", "-b", "-n", "1"});
	CHECK(r.exit_code == 1);
	CHECK(r.err.find("top --gpu needs a command") != std::string::npos);
}

TEST_CASE("record --gpu-only -p: launches counted at the CUDA API's entry points", "[bpf][gpu]")
{
	// A running program (no injector possible) with a libcudart of its
	// own: launch_step() calls cudaLaunchKernel every ms, copy_back()
	// cudaMemcpy every 10th time.
	pid_t pid = spawn({build_dir() + "/fixtures/cuda_rt_app", "4"});
	usleep(200 * 1000);
	RunResult r;
	Folded folded = record_folded({"--gpu-only", "-p", std::to_string(pid), "--duration", "1"},
				      {}, &r);
	kill(pid, SIGTERM);
	reap(pid);
	uint64_t launches = weight_if(folded, [](const std::string &s) {
		return s.ends_with(";main;launch_step;cudaLaunchKernel;[GPU_Launch]");
	});
	uint64_t copies = weight_if(folded, [](const std::string &s) {
		return s.ends_with(";main;copy_back;cudaMemcpy;[GPU_Launch]");
	});
	INFO(r.err);
	// About 1000 a second (less on a loaded machine: the sleeps stretch).
	CHECK(launches > 200);
	CHECK(launches < 1100);
	CHECK(copies * 10 <= launches + 10);
	CHECK(copies * 10 + 60 >= launches);
	CHECK(total_weight(folded) <= launches + copies + 2);  // a first unrooted one, at most
	CHECK(r.err.find("launches counted at the CUDA API (2 entry points probed)") !=
	      std::string::npos);
	CHECK(r.err.find("(uprobes, stopped: duration)") != std::string::npos);
}

TEST_CASE("faults: the target changes user after start: its GPU work is still profiled", "[faults][bpf][gpu]")
{
	namespace fs = std::filesystem;
	if (access("/usr/bin/setpriv", X_OK) != 0)
		XPU_SKIP("no /usr/bin/setpriv to change user with");
	// The app, its hook library ($ORIGIN) and its stream where the new user
	// can reach them (the checkout may be in a 0700 directory), and a
	// TMPDIR of the test's own, searchable as /tmp is, for the run directory.
	const std::string dir = temp_path("setuid");
	fs::create_directories(dir + "/tmp");
	for (const std::string &f : {app(), hook_lib(), stream()})
		fs::copy_file(f, dir + "/" + fs::path(f).filename().string());
	REQUIRE(chmod(dir.c_str(), 0755) == 0);
	REQUIRE(chmod((dir + "/tmp").c_str(), 01777) == 0);
	const std::string out = dir + "/out.folded";
	auto r = run({"/usr/bin/env", "TMPDIR=" + dir + "/tmp", xpu_perf(), "record", "-o", out, "-F", "1000",
		      "--gpu-injector", dir + "/libxpu_launch_hook.so", "--", "/usr/bin/setpriv", "--reuid=65534",
		      "--regid=65534", "--clear-groups", dir + "/fake_cuda_app", dir + "/fake_cuda_app.stream"});
	INFO("stderr: " << r.err);
	REQUIRE(r.exit_code == 0);
	CHECK(r.out == "launched 5\n");
	// Every GPU record came through the pipe the new user opened.
	CHECK(gpu_stacks(parse_folded(read_file(out))) == kExpected);
	CHECK(r.err.find("cannot open the profiler's pipe") == std::string::npos);
	fs::remove_all(dir);
}
