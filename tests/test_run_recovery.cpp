// Cases for tests/shell/run_recovery.sh only (hidden: they run when their
// tag is named). Their names carry the characters a Catch2 test spec treats
// specially, and the middle one kills the binary when XPU_TEST_CRASH is set
// (SIGKILL: nothing in the binary can log it, as after an ASan report's
// exit), so that tests/run.sh must run the third again by name, escaped.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include <catch2/catch.hpp>

TEST_CASE("run recovery: first, with a comma and [brackets]", "[.run-recovery]")
{
	CHECK(true);
}

TEST_CASE("run recovery: this one kills the binary", "[.run-recovery]")
{
	if (std::getenv("XPU_TEST_CRASH"))
		kill(getpid(), SIGKILL);
	CHECK(true);
}

TEST_CASE("run recovery: after the crash, with a * and a \\ too", "[.run-recovery]")
{
	CHECK(true);
}
