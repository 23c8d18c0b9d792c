// The built injector as CUDA loads it, on a machine without a driver (or
// without CUDA): InitializeInjection must return at once, print nothing,
// leave the exit code alone, and at most tell the pipe why it gave up. Also
// the callback classification and the call to the hook in the binary.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "gpu/gpu_stream.hpp"

#include "cupti-injector/api_class.hpp"
#include "cupti-injector/launch_nesting.hpp"
#include "helpers.hpp"

using namespace xpu::injector;

TEST_CASE("API classes from callback names", "[injector]")
{
	CHECK(api_base_name("cudaLaunchKernel_ptsz_v7000") == "cudaLaunchKernel");
	CHECK(api_base_name("cuMemcpyHtoDAsync_v2_ptsz") == "cuMemcpyHtoDAsync");
	CHECK(api_base_name("cuCtxSynchronize_v2") == "cuCtxSynchronize");
	CHECK(api_base_name("cuLaunchKernel") == "cuLaunchKernel");
	CHECK(api_base_name("cuda_v") == "cuda_v");
	for (const char *n : {"cudaLaunchKernel_v7000", "__cudaLaunchKernel_v13000", "cudaLaunch_v3020",
			      "cudaLaunchKernelExC_ptsz_v11060", "cudaLaunchCooperativeKernelMultiDevice_v9000",
			      "cudaLaunchHostFunc_v10000", "cudaGraphLaunch_ptsz_v10000", "cuLaunchKernel",
			      "cuLaunchKernelEx_ptsz", "cuLaunchGridAsync", "cuGraphLaunch", "cuLaunchHostFunc"})
		CHECK(classify_api(n) == kApiLaunch);
	for (const char *n : {"cudaMemcpy_v3020", "cudaMemcpyAsync_ptsz_v7000", "cudaMemset_v3020",
			      "cuMemcpyHtoD_v2", "cuMemsetD8Async_ptsz", "cudaMemcpyBatchAsync_v12080"})
		CHECK(classify_api(n) == kApiMemory);
	for (const char *n : {"cudaDeviceSynchronize_v3020", "cudaStreamSynchronize_ptsz_v7000",
			      "cudaStreamWaitEvent_v3020", "cuCtxSynchronize_v2", "cuEventSynchronize"})
		CHECK(classify_api(n) == kApiSync);
	for (const char *n : {"cudaGetLastError_v3020", "cudaGraphInstantiate_v10000", "cuModuleLoadData",
			      "cudaMalloc_v3020", "cuMemAlloc_v2", "cudaGraphLaunchX", ""})
		CHECK(classify_api(n) == kApiOther);
}

TEST_CASE("API calls that wait for the GPU", "[injector]")
{
	for (const char *n : {"cudaDeviceSynchronize_v3020", "cudaStreamSynchronize_ptsz_v7000",
			      "cudaEventSynchronize_v3020", "cuCtxSynchronize_v2", "cuStreamSynchronize",
			      "cudaMemcpy_v3020", "cudaMemcpy2D_ptds_v7000", "cudaMemcpyPeer_v4000", "cuMemcpyHtoD_v2",
			      "cuMemcpy3D_v2"})
		CHECK(api_waits(n));
	for (const char *n : {"cudaStreamWaitEvent_v3020", "cuStreamWaitEvent", "cudaMemcpyAsync_v3020",
			      "cuMemcpyHtoDAsync_v2_ptsz", "cudaMemcpyPeerAsync_v4000", "cudaMemset_v3020",
			      "cudaLaunchKernel_v7000", "cudaGraphLaunch_v10000", "cudaMalloc_v3020"})
		CHECK(!api_waits(n));
}

TEST_CASE("launch hook: once per outermost call, with the nested call's id", "[injector]")
{
	LaunchNesting n;
	uint32_t corr = 0;
	// cudaLaunchKernel -> cuLaunchKernel, one id
	n.enter();
	n.enter();
	CHECK(!n.exit(100, &corr));
	CHECK(n.exit(100, &corr));
	CHECK(corr == 100);
	// a driver call alone
	n.enter();
	CHECK(n.exit(101, &corr));
	CHECK(corr == 101);
	// runtime 102 around driver 103 (ids differ): the driver's, the GPU record's
	n.enter();
	n.enter();
	CHECK(!n.exit(103, &corr));
	CHECK(n.exit(102, &corr));
	CHECK(corr == 103);
	// the next call does not inherit it
	n.enter();
	CHECK(n.exit(104, &corr));
	CHECK(corr == 104);
	// an EXIT whose ENTER came before tracing began: nothing
	CHECK(!n.exit(105, &corr));
	// three deep (a graph launch inside a capture helper): still once
	n.enter();
	n.enter();
	n.enter();
	CHECK(!n.exit(108, &corr));
	CHECK(!n.exit(107, &corr));
	CHECK(n.exit(106, &corr));
	CHECK(corr == 108);
}

#ifdef XPU_HAVE_CUPTI

#include "cupti-injector/cupti_api.hpp"

namespace {

std::string injector() { return xpu::test::build_dir() + "/libxpu_cupti.so"; }

std::vector<std::string> lines_of(const std::string &text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	return out;
}

}  // namespace

TEST_CASE("CUPTI 13 callback names: 15 runtime and 14 driver launch entry points", "[injector]")
{
	CuptiApi api;
	std::string error;
	if (!load_cupti(api, error)) {
		XPU_SKIP(error);
	}
	uint32_t version = 0;
	api.cuptiGetVersion(&version);
	if (version < 130000 || version >= 140000) {
		XPU_SKIP("counts are for CUPTI 13.x, this is " << version);
	}
	int runtime = 0, driver = 0;
	for (uint32_t cbid = 1; cbid < 2000; cbid++) {
		const char *name = nullptr;
		if (api.cuptiGetCallbackName(CUPTI_CB_DOMAIN_RUNTIME_API, cbid, &name) == CUPTI_SUCCESS && name)
			runtime += classify_api(name) == kApiLaunch;
		name = nullptr;
		if (api.cuptiGetCallbackName(CUPTI_CB_DOMAIN_DRIVER_API, cbid, &name) == CUPTI_SUCCESS && name)
			driver += classify_api(name) == kApiLaunch;
	}
	CHECK(runtime == 15);
	CHECK(driver == 14);
}

TEST_CASE("injector: calls the hook (a call, not a tail jump)", "[injector]")
{
	// A tail jump would take the caller's frame out of the stack the uprobe
	// records; the Makefile's -fno-optimize-sibling-calls prevents it.
	auto r = xpu::test::run({"/usr/bin/objdump", "-d", "--no-show-raw-insn", injector()});
	REQUIRE(r.exit_code == 0);
	int calls = 0, jumps = 0;
	for (const auto &l : lines_of(r.out)) {
		if (l.find("<xpu_perf_launch_hook") == std::string::npos || l.ends_with(">:"))
			continue;
		calls += l.find("call") != std::string::npos;
		jumps += l.find("jmp") != std::string::npos;
	}
	CHECK(calls >= 1);
	CHECK(jumps == 0);
}

TEST_CASE("injector: without XPU_PERF_PIPE it stays off", "[injector]")
{
	auto r = xpu::test::run({"/usr/bin/env", "-u", "XPU_PERF_PIPE", xpu::test::build_dir() + "/fixtures/inject_host",
				 injector(), "3"});
	CHECK(r.exit_code == 3);
	CHECK(r.out.empty());
	CHECK(r.err.starts_with("init_ms="));
	CHECK(r.seconds < 30);  // a hang guard, not a speed bound (shared CI machines stall)
}

TEST_CASE("injector: no driver, a reader on the FIFO: quick, silent, a W", "[injector]")
{
	std::string fifo = xpu::test::temp_path("inj.fifo");
	REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
	int rfd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	REQUIRE(rfd >= 0);
	auto r = xpu::test::run({"/usr/bin/env", "XPU_PERF_PIPE=" + fifo, "XPU_PERF_INJECTOR_DEBUG=0",
				 xpu::test::build_dir() + "/fixtures/inject_host", injector(), "7"});
	CHECK(r.exit_code == 7);  // the app's own
	CHECK(r.out.empty());     // not a byte on stdout
	REQUIRE(r.err.starts_with("init_ms="));
	double init_ms = std::stod(r.err.substr(8));
	CHECK(init_ms < 30000);  // hang guards, not speed bounds (shared CI machines stall)
	CHECK(r.err.find('\n') == r.err.size() - 1);  // and nothing else on stderr
	CHECK(r.seconds < 30);
	std::string got;
	char buf[4096];
	for (ssize_t n; (n = read(rfd, buf, sizeof(buf))) > 0;)
		got.append(buf, static_cast<size_t>(n));
	close(rfd);
	unlink(fifo.c_str());
	// The stream is complete: H first, a W saying why, E last.
	REQUIRE(!got.empty());  // a reader was there: the injector must say why it gave up
	auto lines = lines_of(got);
	REQUIRE(lines.size() >= 3);
	CHECK(lines.front().starts_with("H\t"));
	CHECK(lines.front().find("\t1.0\t") != std::string::npos);
	CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string &l) { return l.starts_with("W\t"); }));
	CHECK(lines.back().starts_with("E\t"));
	CHECK(lines.back().find("\terror\t") != std::string::npos);
}

namespace {

// fixtures/mock_app plays CUDA against a mock libcupti (by default
// fixtures/libmock_cupti.so, a CUDA 12 CUPTI) with the injector loaded;
// returns its run and everything it wrote to the pipe.
std::pair<xpu::test::RunResult, std::string> run_mock_app(const std::string &mock = "libmock_cupti.so",
							   const std::vector<std::string> &env = {})
{
	std::string fifo = xpu::test::temp_path("mock.fifo");
	REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
	int rfd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	REQUIRE(rfd >= 0);
	std::string dir = xpu::test::build_dir() + "/fixtures/";
	std::vector<std::string> argv = {"/usr/bin/env", "XPU_PERF_PIPE=" + fifo, "XPU_PERF_CUPTI=" + dir + mock};
	argv.insert(argv.end(), env.begin(), env.end());
	argv.insert(argv.end(), {dir + "mock_app", injector(), dir + mock});
	auto r = xpu::test::run(argv);
	std::string got;
	char buf[4096];
	for (ssize_t n; (n = read(rfd, buf, sizeof(buf))) > 0;)
		got.append(buf, static_cast<size_t>(n));
	close(rfd);
	unlink(fifo.c_str());
	return {r, got};
}

}  // namespace

TEST_CASE("injector end to end on a mock libcupti: hooks, records, E", "[injector]")
{
	// fixtures/mock_app plays CUDA against fixtures/libmock_cupti.so: two
	// kernel launches (one nested runtime->driver), a nested memcpy, a
	// synchronize; two kernels and two API records staged.
	auto [r, got] = run_mock_app();
	CHECK(r.exit_code == 0);
	CHECK(r.err.empty());
	// Five activity kinds on (the hook count is the next case's).
	CHECK(r.out.ends_with(" kinds=5\n"));
	auto lines = lines_of(got);
	REQUIRE(lines.size() >= 7);
	std::string pid = lines[0].substr(2, lines[0].find('\t', 2) - 2);
	CHECK(lines[0].starts_with("H\t" + pid + "\t1.0\t"));
	CHECK(lines[0].find("\tMONO\t130001\t") != std::string::npos);
	auto has = [&](const std::string &l) { return std::find(lines.begin(), lines.end(), l) != lines.end(); };
	CHECK(has("S\t" + pid + "\t1\t10\t_Z6kernelv"));
	CHECK(has("K\t" + pid + "\t100\t1000\t2000\t0\t0\t0\t1\t0\t0\t1\t1\t1\t32\t1\t1\t0"));
	CHECK(has("K\t" + pid + "\t101\t3000\t4000\t0\t0\t0\t1\t0\t0\t1\t1\t1\t32\t1\t1\t0"));
	CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string &l) { return l.starts_with("S\t"); }) == 1);
	CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string &l) { return l.starts_with("A\t"); }) == 2);
	CHECK(lines.back() == "E\t" + pid + "\tatexit\t4\t0");
	// The profiler's reader takes the whole stream, names the launch APIs
	// the hook carries, and sees it complete.
	std::vector<std::string> api_names;
	xpu::GpuStreamParser parser({.activity = {},
				     .api_name = [&](pid_t, uint32_t, uint32_t, const std::string &n) {
					     api_names.push_back(n);
				     },
				     .api_call = {},
				     .sync = {}});
	parser.feed(got);
	parser.finish();
	CHECK(parser.malformed() == 0);
	CHECK(parser.truncated_lines() == 0);
	REQUIRE(parser.processes().size() == 1);
	CHECK(parser.processes().begin()->second.ended);
	CHECK(std::any_of(api_names.begin(), api_names.end(),
			  [](const std::string &n) { return n.starts_with("cudaLaunchKernel"); }));
}

TEST_CASE("injector: CUPTI held by another tool: one W, with the holder's name where CUPTI gives it",
	  "[injector]")
{
	auto w_lines = [](const std::string &got) {
		std::vector<std::string> w;
		for (const auto &l : lines_of(got))
			if (l.starts_with("W\t"))
				w.push_back(l);
		return w;
	};
	// CUDA 12's CUPTI: cuptiSubscribe only, which does not say who.
	auto [r12, got12] = run_mock_app("libmock_cupti.so", {"XPU_MOCK_CUPTI_BUSY=1"});
	CHECK(r12.exit_code == 0);
	auto w12 = w_lines(got12);
	REQUIRE(w12.size() == 1);
	CHECK(w12[0].ends_with("\t39\tcuptiSubscribe: CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED (39); "
			       "another CUPTI tool (nsys, a framework profiler) is active"));
#ifdef CUpti_SubscriberParams_STRUCT_SIZE
	// CUDA 13's: cuptiSubscribe_v2 names the holder.
	auto [r13, got13] = run_mock_app("mock_cupti/libcupti.so", {"XPU_MOCK_CUPTI_BUSY=1"});
	CHECK(r13.exit_code == 0);
	auto w13 = w_lines(got13);
	REQUIRE(w13.size() == 1);
	CHECK(w13[0].ends_with("\t39\tcuptiSubscribe_v2: CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED (39); "
			       "CUPTI is held by \"CUPTI for Nsight Systems\""));
	// Not held: the same mock subscribes us, under our name, and records flow.
	auto [ok, got_ok] = run_mock_app("mock_cupti/libcupti.so");
	CHECK(ok.exit_code == 0);
	CHECK(w_lines(got_ok).empty());
	CHECK(got_ok.find("\nK\t") != std::string::npos);
#endif
}

TEST_CASE("injector on a mock libcupti: one hook per outermost launch or memory call", "[injector]")
{
	// mock_app counts the hook's executions with a hardware breakpoint, after
	// proving one fires on a known call; where none fires it says "unknown".
	auto r = run_mock_app().first;
	REQUIRE(r.exit_code == 0);
	if (r.out == "hooks=unknown kinds=5\n")
		XPU_SKIP("hardware breakpoints do not fire on this machine: hook count not checked");
	CHECK(r.out == "hooks=4 kinds=5\n");  // the synchronize too: its stack takes the blame of its wait
}

TEST_CASE("CUDA examples: launchers by name, cudart's launch entry imported", "[injector]")
{
	// What the GPU tests rely on: -cudart shared makes <<<>>> an import of
	// 13.0's __cudaLaunchKernel (versioned), and the launchers are symbols.
	std::string dir = xpu::test::build_dir() + "/examples/cuda/";
	if (xpu::test::read_file(dir + "vector_add").empty()) {
		XPU_SKIP("examples/cuda not built (no nvcc in CUDA_HOME)");
	}
	auto dyn = xpu::test::run({"/usr/bin/nm", "-D", dir + "vector_add"});
	REQUIRE(dyn.exit_code == 0);
	CHECK(dyn.out.find(" U __cudaLaunchKernel@libcudart.so.") != std::string::npos);
	for (auto [app, fn] : {std::pair{"vector_add", "launch_vector_add"},
			       std::pair{"many_kernels", "launch_tiny_kernels"},
			       std::pair{"graph_launch", "launch_graph"},
			       std::pair{"driver_launch", "launch_scale_kernel"},
			       std::pair{"memcpy_memset", "launch_copies"},
			       std::pair{"sync_wait", "launch_spin"},  // gpu_verify's sync blame
			       std::pair{"sync_wait", "wait_for_gpu"}}) {
		auto syms = xpu::test::run({"/usr/bin/nm", "-C", dir + app});
		REQUIRE(syms.exit_code == 0);
		CHECK(syms.out.find(std::string(" T ") + fn + "(") != std::string::npos);
	}
	auto drv = xpu::test::run({"/usr/bin/nm", "-D", dir + "driver_launch"});
	CHECK(drv.out.find(" U cuLaunchKernel") != std::string::npos);
	// Static cudart: the entry points are local symbols (gone when stripped);
	// per-thread default streams: the _ptsz variants.
	auto st = xpu::test::run({"/usr/bin/nm", dir + "vector_add_static"});
	CHECK(st.out.find(" t cudaLaunchKernel\n") != std::string::npos);
	auto ptds = xpu::test::run({"/usr/bin/nm", "-D", dir + "many_kernels_ptds"});
	CHECK(ptds.out.find(" U __cudaLaunchKernel_ptsz@libcudart.so.") != std::string::npos);
}

#else

TEST_CASE("injector: loading", "[injector]")
{
	CHECK(classify_api("cuLaunchKernel") == kApiLaunch);
	XPU_SKIP("built without CUDA's CUPTI headers (CUDA_HOME); injector load tests skipped");
}

#endif
