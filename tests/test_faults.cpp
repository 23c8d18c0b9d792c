// Faults a profiler must survive: the user's own CUDA injection library, the
// profiler killed mid-run, the target crashing.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
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
	// Reported in the shell's convention (128+11); naming the signal is to do.
	CHECK_THAT(r.err, Catch::Contains("the command exited with status 139"));
	auto folded = parse_folded(read_file(out));
	CHECK(total_weight(folded) > 0);
	unlink(out.c_str());
}
