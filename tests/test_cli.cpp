// The binary's error paths: one clear line on stderr and a distinct exit
// code (man xpu-perf, EXIT STATUS). These run the real binary.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace xpu::test;

namespace {
void expect_error(const std::vector<std::string> &args, int code, const std::string &msg)
{
	std::vector<std::string> argv = {xpu_perf()};
	argv.insert(argv.end(), args.begin(), args.end());
	auto r = run(argv);
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == code);
	CHECK_THAT(r.err, Catch::Contains(msg));
	CHECK(r.out.empty());
}
}  // namespace

TEST_CASE("record: bad flag values are usage errors (exit 1)", "[cli]")
{
	expect_error({"record", "-F", "0", "-a"}, 1, "--freq: Value 0 not in range");
	expect_error({"record", "-F", "abc", "-a"}, 1, "--freq");
	expect_error({"record", "--duration", "abc", "-a"}, 1, "--duration: bad duration 'abc'");
	expect_error({"record", "-p", "12x"}, 1, "-p: bad pid '12x'");
	expect_error({"record", "-U", "-K", "-a"}, 1, "-U and -K exclude each other");
	expect_error({"record", "-p", "1", "/bin/true"}, 1, "either -p PID or a command");
	expect_error({"record"}, 1, "nothing to profile");
	expect_error({"record", "--no-such-flag", "-a"}, 1, "no-such-flag");
	expect_error({"record", "--trace-off-cpu", "/bin/true"}, 1, "give --trace FILE");
	expect_error({"record", "--no-off-cpu", "--trace", "t.json", "--trace-off-cpu", "/bin/true"}, 1,
		     "--trace-off-cpu needs off-CPU time");
	expect_error({}, 1, "subcommand");
	expect_error({"no-such-subcommand"}, 1, "unknown command 'no-such-subcommand'");
}

TEST_CASE("record: missing target and unwritable output", "[cli]")
{
	expect_error({"record", "-p", "2147483647"}, 3, "no such process: 2147483647");
	// Nothing is written where it was not asked for: -o points at a path
	// that must not appear.
	std::string out = temp_path("never.folded");
	expect_error({"record", "-o", out, "xpu-perf-no-such-command"}, 127,
		     "command not found: xpu-perf-no-such-command");
	expect_error({"record", "-o", out, "--", "/etc/passwd"}, 126, "cannot run '/etc/passwd'");
	CHECK(access(out.c_str(), F_OK) != 0);
	expect_error({"record", "-o", "/nonexistent-dir/out.folded", "-a"}, 4,
		     "cannot write '/nonexistent-dir/out.folded'");
}

TEST_CASE("record --help names every option", "[cli]")
{
	auto r = run({xpu_perf(), "record", "--help"});
	CHECK(r.exit_code == 0);
	for (const char *opt : {"--freq", "--pid", "--all-cpus", "--duration", "--output",
				"--user-only", "--kernel-only", "--pid-prefix", "--inline",
				"--no-python-lines", "--python-interpreter-frames"}) {
		INFO(opt);
		CHECK_THAT(r.out, Catch::Contains(opt));
	}
}

TEST_CASE("record without privileges says how to fix it (exit 2)", "[cli][bpf]")
{
	// Needs root to drop to an unprivileged user for the check.
	REQUIRE(geteuid() == 0);
	RunOptions opts;
	opts.uid = 65534;  // nobody
	std::string out = "/tmp/xpu-perf-test-unpriv.folded";
	BinaryForOthers bin;
	auto r = run({bin.path, "record", "-a", "-o", out}, opts);
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 2);
	CHECK_THAT(r.err, Catch::Contains("not enough privileges"));
	CHECK_THAT(r.err, Catch::Contains("setcap"));
	CHECK(access(out.c_str(), F_OK) != 0);  // nothing written
}
