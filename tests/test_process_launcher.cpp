#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "session/process_launcher.hpp"

using namespace xpu;

TEST_CASE("resolve_command follows the shell's 127/126 convention", "[launcher]")
{
	auto sh = resolve_command("sh");
	REQUIRE(sh);
	CHECK(sh->ends_with("/sh"));

	auto missing = resolve_command("xpu-perf-no-such-command");
	REQUIRE_FALSE(missing);
	CHECK(missing.error().exit == ExitCode::not_found);
	CHECK(missing.error().msg == "command not found: xpu-perf-no-such-command");

	auto rel_missing = resolve_command("./no/such/file");
	REQUIRE_FALSE(rel_missing);
	CHECK(rel_missing.error().exit == ExitCode::not_found);

	std::string plain = test::temp_path("plain");
	{
		std::FILE *f = std::fopen(plain.c_str(), "w");
		REQUIRE(f);
		std::fclose(f);
	}
	chmod(plain.c_str(), 0644);
	auto not_exec = resolve_command(plain);
	unlink(plain.c_str());
	REQUIRE_FALSE(not_exec);
	CHECK(not_exec.error().exit == ExitCode::not_executable);

	auto dir = resolve_command("/tmp");
	REQUIRE_FALSE(dir);
	CHECK(dir.error().exit == ExitCode::not_executable);
}

TEST_CASE("a held command runs only when released, with its exit status", "[launcher]")
{
	std::string marker = test::temp_path("marker");
	auto p = HeldProcess::spawn({.argv = {"/bin/sh", "-c", "touch " + marker + "; exit 3"},
				     .stdout_to_stderr = false,
				     .env = {}});
	REQUIRE(p);
	usleep(100 * 1000);
	CHECK(access(marker.c_str(), F_OK) != 0);  // held: has not run
	REQUIRE(p->release());
	auto st = p->wait(5000);
	REQUIRE(st);
	CHECK(exit_code_of(*st) == 3);
	CHECK(access(marker.c_str(), F_OK) == 0);
	unlink(marker.c_str());
}

TEST_CASE("a held command that is never released never runs", "[launcher]")
{
	std::string marker = test::temp_path("never");
	{
		auto p = HeldProcess::spawn({.argv = {"/bin/sh", "-c", "touch " + marker},
				     .stdout_to_stderr = false,
				     .env = {}});
		REQUIRE(p);
	}  // destroyed while held
	usleep(100 * 1000);
	CHECK(access(marker.c_str(), F_OK) != 0);
}

TEST_CASE("a command killed by a signal reports 128+N", "[launcher]")
{
	auto p = HeldProcess::spawn({.argv = {"/bin/sleep", "10"},
				     .stdout_to_stderr = false,
				     .env = {}});
	REQUIRE(p);
	REQUIRE(p->release());
	CHECK(p->running());
	p->signal(SIGTERM);
	auto st = p->wait(5000);
	REQUIRE(st);
	CHECK(exit_code_of(*st) == 128 + SIGTERM);
	CHECK_FALSE(p->running());
}

TEST_CASE("the command gets the extra environment, replacing what it had", "[launcher]")
{
	std::string out = test::temp_path("env");
	setenv("XPU_TEST_KEEP", "kept", 1);
	setenv("XPU_TEST_REPLACE", "old", 1);
	auto p = HeldProcess::spawn(
		{.argv = {"/bin/sh", "-c",
			  "echo \"$XPU_TEST_KEEP $XPU_TEST_REPLACE $XPU_TEST_NEW\" > " + out},
		 .stdout_to_stderr = false,
		 .env = {"XPU_TEST_REPLACE=new", "XPU_TEST_NEW=added"}});
	REQUIRE(p);
	REQUIRE(p->release());
	auto st = p->wait(5000);
	REQUIRE(st);
	CHECK(exit_code_of(*st) == 0);
	CHECK(test::read_file(out) == "kept new added\n");
	unsetenv("XPU_TEST_KEEP");
	unsetenv("XPU_TEST_REPLACE");
}
