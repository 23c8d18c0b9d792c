// Faults a profiler must survive: the user's own CUDA injection library, the
// profiler killed mid-run, the target crashing.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace xpu::test;

TEST_CASE("faults: a CUDA_INJECTION64_PATH set by the user is refused, not overridden", "[faults]")
{
	std::string out = temp_path("inj.folded");
	auto r = run({"/usr/bin/env", "CUDA_INJECTION64_PATH=/opt/other/libinject.so", xpu_perf(), "record",
		      "--gpu-injector", build_dir() + "/fixtures/libxpu_launch_hook.so", "-o", out, "--", "true"});
	CHECK(r.exit_code == 1);
	CHECK_THAT(r.err, Catch::Contains("CUDA_INJECTION64_PATH is already set (/opt/other/libinject.so)"));
	CHECK(access(out.c_str(), F_OK) != 0);
}

TEST_CASE("faults: the target crashes: profile written, its signal reported", "[faults][bpf]")
{
	std::string out = temp_path("crash.folded");
	// A shell that burns a little CPU, then kills itself with SIGSEGV.
	auto r = run({xpu_perf(), "record", "-F", "499", "-o", out, "--", "/bin/sh", "-c",
		      "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; kill -SEGV $$"});
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 128 + SIGSEGV);
	// Named, with the shell's number beside it.
	CHECK_THAT(r.err, Catch::Contains("the command was killed by SIGSEGV (status 139)"));
	auto folded = parse_folded(read_file(out));
	CHECK(total_weight(folded) > 0);
	unlink(out.c_str());
}

TEST_CASE("faults: xpu-perf killed with SIGKILL: the command runs on, the next run removes its run directory",
	  "[faults][bpf]")
{
	namespace fs = std::filesystem;
	// A TMPDIR of its own, so the run directory is the only one there.
	const std::string tmpdir = temp_path("sigkill-tmp");
	fs::create_directories(tmpdir);
	const std::string marker = tmpdir + "/marker";
	const std::string injector = build_dir() + "/fixtures/libxpu_launch_hook.so";
	// The command outlives the profiler: it writes the marker only after
	// the profiler is gone, so the marker proves it was not taken down too.
	pid_t rec = spawn({"/usr/bin/env", "TMPDIR=" + tmpdir, xpu_perf(), "record", "--gpu-injector",
			   injector, "-o", tmpdir + "/out.folded", "--", "/bin/sh", "-c",
			   "echo >" + tmpdir + "/started; while [ ! -e " + tmpdir + "/go ]; do sleep 0.05; done; echo alive >" + marker});
	auto run_dirs = [&] {
		std::vector<fs::path> dirs;
		for (const auto &e : fs::directory_iterator(tmpdir))
			if (e.path().filename().string().starts_with("xpu-perf-"))
				dirs.push_back(e.path());
		return dirs;
	};
	// Once the command runs under the profiler, the run directory exists.
	REQUIRE(wait_until([&] { return fs::exists(tmpdir + "/started"); }));
	REQUIRE(!run_dirs().empty());
	kill(rec, SIGKILL);
	CHECK(reap(rec) == 128 + SIGKILL);
	std::ofstream(tmpdir + "/go") << "go\n";
	CHECK(wait_until([&] { return fs::exists(marker); }, 30));
	CHECK(read_file(marker) == "alive\n");
	// Left behind by the killed run; aged past the one-minute guard (a run
	// that is just starting is never touched), the next run removes it.
	auto left = run_dirs();
	REQUIRE(left.size() == 1);
	CHECK(fs::exists(left[0] / "gpu.pipe"));
	fs::last_write_time(left[0], fs::file_time_type::clock::now() - std::chrono::minutes(5));
	auto r = run({"/usr/bin/env", "TMPDIR=" + tmpdir, xpu_perf(), "record", "--gpu-injector", injector,
		      "-o", tmpdir + "/next.folded", "--", "true"});
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 0);
	CHECK(!fs::exists(left[0]));
	CHECK(run_dirs().empty());
	fs::remove_all(tmpdir);
}
