// Every way a CUDA program launches GPU work, end to end without a GPU:
// fixtures/launch_paths_app fires the CUPTI callbacks of each launch path
// (ids and names from CUPTI 13's headers) through the mock libcupti into the
// real injector, whose hook xpu-perf's real uprobe catches; the mock then
// hands the injector the GPU records of each launch. Each path's work must
// hang, once, under the stack of the call that launched it, named by that
// call: a nested runtime -> driver pair counts as one launch, a graph
// launch's kernels all go under the graph launch.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "base/lines.hpp"
#include "helpers.hpp"

using namespace xpu::test;

namespace {

using Folded = std::map<std::string, uint64_t>;

std::string fixtures() { return build_dir() + "/fixtures/"; }
std::string app() { return fixtures() + "launch_paths_app"; }
std::string mock_cupti() { return fixtures() + "mock_cupti/libcupti.so"; }

// The GPU stacks, each from `main` on.
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

// Sets a variable for the commands this test case runs.
struct ScopedEnv {
	std::string name;
	ScopedEnv(std::string n, const std::string &value) : name(std::move(n)) { setenv(name.c_str(), value.c_str(), 1); }
	~ScopedEnv() { unsetenv(name.c_str()); }
};

bool have_fixtures()
{
	return access(app().c_str(), X_OK) == 0 && access(mock_cupti().c_str(), R_OK) == 0 &&
	       access((build_dir() + "/libxpu_cupti.so").c_str(), R_OK) == 0;
}

}  // namespace

TEST_CASE("record: every CUDA launch path, once, under its launch stack", "[bpf][gpu]")
{
	if (!have_fixtures()) {
		XPU_SKIP("built without CUDA's CUPTI headers: no injector or mock libcupti");
	}
	// What the app plays, as the folded stacks it must give.
	auto listed = run({app(), "--list"});
	REQUIRE(listed.exit_code == 0);
	Folded expected = parse_folded(listed.out);
	REQUIRE(expected.size() == 33);
	// Spot checks of the list itself against this file.
	CHECK(expected.at("main;play;cudaLaunchKernelExC;[GPU_Kernel]k_exc") == 2);
	CHECK(expected.at("main;play;__cudaLaunchKernel;[GPU_Kernel]k_chevron") == 2);
	CHECK(expected.at("main;play;cuGraphLaunch_ptsz;[GPU_Kernel]g_cu_ptsz") == 6);
	CHECK(expected.at("main;play;cudaMemcpyPeer;[GPU_Memcpy]PtoP") == 2);

	ScopedEnv cupti("XPU_PERF_CUPTI", mock_cupti());
	RunResult r;
	Folded folded = record_folded({"-F", "1000", "--gpu-only", "--gpu-injector", build_dir() + "/libxpu_cupti.so"},
				      {app()}, &r);
	CHECK(gpu_stacks(folded) == expected);
	// 33 calls, 33 launches: the nested runtime -> driver pairs (and CUDA
	// 13's <<<>>> entry around cudaLaunchKernel around cuLaunchKernel) once
	// each; 20 kernel launches, 4 of them graphs of 3: 28 kernels.
	CHECK(r.err.find("GPU: 33 launches, 28 kernels, 13 copies/memsets, 100.0% under their launch stack, "
			 "82.00 ms of GPU time, 0 dropped") != std::string::npos);
	CHECK(r.out == "played 33 paths\n");
	CHECK(r.err.find("GPU warning") == std::string::npos);
}

TEST_CASE("record: CUPTI held by another tool: said once, app unharmed, launches counted by uprobes",
	  "[bpf][gpu]")
{
	if (!have_fixtures()) {
		XPU_SKIP("built without CUDA's CUPTI headers: no injector or mock libcupti");
	}
	// The mock refuses cuptiSubscribe with the error CUPTI before 13.3
	// gives a second subscriber. cuda_rt_app loads the injector as cuInit
	// would, then calls its libcudart's cudaLaunchKernel every ms (and
	// cudaMemcpy every tenth time) for a second.
	ScopedEnv cupti("XPU_PERF_CUPTI", mock_cupti());
	ScopedEnv busy("XPU_MOCK_CUPTI_BUSY", "1");
	RunResult r;
	Folded folded = record_folded({"-F", "1000", "--gpu-only", "--gpu-injector", build_dir() + "/libxpu_cupti.so"},
				      {fixtures() + "cuda_rt_app", "1"}, &r);
	INFO(r.err);
	CHECK(r.out == "launched 1000\n");  // the app's own output, whole
	// Said once, with CUPTI's own words, and what is missing because of it.
	// (cuptiSubscribe_v2 where the CUPTI headers have it: test_injector_load
	// checks each form exactly.)
	const std::string said = ": CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED (39)";
	size_t first = r.err.find(said);
	REQUIRE(first != std::string::npos);
	CHECK(r.err.find("MULTIPLE_SUBSCRIBERS", first + said.size()) == std::string::npos);
	CHECK(r.err.find("no CUPTI in cuda_rt_app[") != std::string::npos);
	CHECK(r.err.find("its launches are counted at the CUDA API's entry points instead") != std::string::npos);
	// The fallback: launch counts per stack, from when the injector gave up
	// (its first few ms are missed); no GPU work, since none was recorded.
	uint64_t launches = weight_if(folded, [](const std::string &s) {
		return s.ends_with(";main;launch_step;cudaLaunchKernel;[GPU_Launch]");
	});
	uint64_t copies = weight_if(folded, [](const std::string &s) {
		return s.ends_with(";main;copy_back;cudaMemcpy;[GPU_Launch]");
	});
	CHECK(launches > 200);
	CHECK(launches <= 1000);
	CHECK(copies * 10 <= launches + 10);
	CHECK(copies * 10 + 60 >= launches);
	CHECK(total_weight(folded) == launches + copies);
	CHECK(weight_with(folded, "[GPU_Kernel]") == 0);
}

TEST_CASE("record: sync waits blamed on the GPU work they waited for, split by overlap", "[bpf][gpu]")
{
	if (!have_fixtures()) {
		XPU_SKIP("built without CUDA's CUPTI headers: no injector or mock libcupti");
	}
	// launch_paths_app --sync, in ms after its T0: stream 7 runs k_a [0,40)
	// and k_b [40,100), stream 9 k_other [0,100) and k_c [190,220).
	//   cudaStreamSynchronize on stream 7 [20,120): k_a 20, k_b 60, idle 20
	//   cudaDeviceSynchronize [10,50), every stream: [10,40) k_a | k_other
	//     (15 each), [40,50) k_b | k_other (5 each)
	//   cudaMemcpy [200,240), its copy on stream 7 [210,240): [200,210) k_c,
	//     [210,220) k_c | the copy (5 each), [220,240) the copy
	ScopedEnv cupti("XPU_PERF_CUPTI", mock_cupti());
	RunResult r;
	Folded folded = record_folded({"-F", "1000", "--gpu-only", "--gpu-injector", build_dir() + "/libxpu_cupti.so"},
				      {app(), "--sync"}, &r);
	const Folded expected = {
		{"main;launch;play;cudaLaunchKernel;[GPU_Kernel]k_a", 40},
		{"main;launch;play;cudaLaunchKernel;[GPU_Kernel]k_b", 60},
		{"main;launch;play;cudaLaunchKernel;[GPU_Kernel]k_other", 100},
		{"main;launch;play;cudaLaunchKernel;[GPU_Kernel]k_c", 30},
		{"main;copy_sync;play;cudaMemcpy;[GPU_Memcpy]HtoD", 30},
		{"main;wait_stream;play;cudaStreamSynchronize;[GPU_Wait]k_a", 20},
		{"main;wait_stream;play;cudaStreamSynchronize;[GPU_Wait]k_b", 60},
		{"main;wait_stream;play;cudaStreamSynchronize;[GPU_Wait][idle]", 20},
		{"main;wait_device;play;cudaDeviceSynchronize;[GPU_Wait]k_a", 15},
		{"main;wait_device;play;cudaDeviceSynchronize;[GPU_Wait]k_other", 20},
		{"main;wait_device;play;cudaDeviceSynchronize;[GPU_Wait]k_b", 5},
		{"main;copy_sync;play;cudaMemcpy;[GPU_Wait]k_c", 15},
		{"main;copy_sync;play;cudaMemcpy;[GPU_Wait]memcpy HtoD", 25},
	};
	CHECK(gpu_stacks(folded) == expected);
	CHECK(r.out == "waited 3 times\n");
	// The synchronizes are not launches.
	CHECK(r.err.find("GPU: 5 launches, 4 kernels, 1 copies/memsets, 100.0% under their launch stack, "
			 "260.00 ms of GPU time, 0 dropped") != std::string::npos);
	CHECK(r.err.find("GPU waits: 3 synchronizing calls, 180.00 ms, 20.00 ms of it with nothing running on "
			 "the waited streams") != std::string::npos);
}

TEST_CASE("record --trace: each sync wait a slice on its thread, with the GPU work it waited for", "[bpf][gpu]")
{
	if (!have_fixtures()) {
		XPU_SKIP("built without CUDA's CUPTI headers: no injector or mock libcupti");
	}
	// The waits of launch_paths_app --sync (see the case above), in µs.
	ScopedEnv cupti("XPU_PERF_CUPTI", mock_cupti());
	std::string trace = temp_path("waits.json");
	record_folded({"-F", "1000", "--gpu-only", "--gpu-injector", build_dir() + "/libxpu_cupti.so",
		       "--trace", trace},
		      {app(), "--sync"});
	std::string json = read_file(trace);
	unlink(trace.c_str());
	std::vector<std::string> waits;
	for (std::string_view text = json; !text.empty();)
		if (std::string_view line = xpu::next_line(text); line.find(R"("cat":"cuda_sync")") != line.npos)
			waits.emplace_back(line);
	REQUIRE(waits.size() == 3);
	// In start order: the device synchronize [10,50), the stream's [20,120),
	// the synchronous copy [200,240).
	CHECK(waits[0].find(R"("name":"cudaDeviceSynchronize")") != std::string::npos);
	CHECK(waits[0].find(R"("dur":40000.000,)") != std::string::npos);
	CHECK(waits[0].find(R"("waited for":{"k_a":15000.000,"k_other":20000.000,"k_b":5000.000})") !=
	      std::string::npos);
	CHECK(waits[1].find(R"("name":"cudaStreamSynchronize")") != std::string::npos);
	CHECK(waits[1].find(R"("dur":100000.000,)") != std::string::npos);
	CHECK(waits[1].find(R"("waited for":{"k_a":20000.000,"k_b":60000.000,"[idle]":20000.000})") !=
	      std::string::npos);
	CHECK(waits[2].find(R"("name":"cudaMemcpy")") != std::string::npos);
	CHECK(waits[2].find(R"("waited for":{"k_c":15000.000,"memcpy HtoD":25000.000})") != std::string::npos);
	// Each on the thread's lane with its stack, root first.
	for (const auto &w : waits)
		CHECK(w.find(R"(,"main",)") != std::string::npos);
}
