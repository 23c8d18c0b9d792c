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

TEST_CASE("faults: a pid reused while attached: the new process is never profiled as the old one",
	  "[faults][bpf]")
{
	// cpu_split runs 3 s under -p; the moment it exits, pid_reuse starts
	// wall_split under the same pid (clone3 set_tid), while xpu-perf still
	// holds the pid and before it reads what it needs to name the frames.
	const std::string pidfile = temp_path("reuse.pid"), out = temp_path("reuse.folded");
	const std::string examples = build_dir() + "/examples/";
	pid_t fixture = spawn({build_dir() + "/fixtures/pid_reuse", pidfile, examples + "cpu_split", "-t", "3", "--",
			       examples + "wall_split", "-t", "2"});
	pid_t first = 0;
	REQUIRE(wait_until([&] {
		first = static_cast<pid_t>(std::atoi(read_file(pidfile).c_str()));
		return first > 0 && runs_exe(first, "cpu_split");
	}));
	auto r = run({xpu_perf(), "record", "-F", "499", "-p", std::to_string(first), "--duration", "60", "-o", out});
	INFO("stderr: " << r.err);
	int reused = reap(fixture);
	if (reused == 2)
		XPU_SKIP("clone3 could not start a process at a chosen pid here");
	REQUIRE(reused == 0);  // wall_split ran, under the first one's pid
	CHECK(r.exit_code == 0);
	CHECK_THAT(r.err, Catch::Contains("stopped: target exited"));
	auto folded = parse_folded(read_file(out));
	// cpu_split's threads are there, named from cpu_split's own maps...
	CHECK(weight_with(folded, "burn_60") > 0);
	CHECK(weight_with(folded, "churn") > 0);
	// ...and nothing of wall_split: no sample taken from it (it would be
	// rooted at its own comm) and no frame named from its maps.
	for (const auto &[stack, w] : folded) {
		INFO(stack);
		CHECK(!stack.starts_with("wall_split"));
		for (const char *f : {"writer", "sleep_s", "now_s"})
			CHECK(weight_with({{stack, w}}, f) == 0);
	}
	unlink(out.c_str());
	unlink(pidfile.c_str());
}
