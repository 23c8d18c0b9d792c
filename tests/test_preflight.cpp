#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "session/preflight.hpp"

using namespace xpu;

TEST_CASE("-p: a thread id stands for its process; a missing pid is exit 3", "[preflight]")
{
	std::atomic<pid_t> tid{0};
	std::atomic<bool> done{false};
	std::thread t([&] {
		tid = static_cast<pid_t>(syscall(SYS_gettid));
		while (!done)
			std::this_thread::sleep_for(std::chrono::milliseconds(1));
	});
	while (tid == 0)
		std::this_thread::yield();
	auto r = resolve_processes({tid.load(), getpid()});
	done = true;
	t.join();
	REQUIRE(r);
	CHECK(*r == std::vector<pid_t>{getpid()});  // the thread's process, once

	auto missing = resolve_processes({getpid(), 2147483647});
	REQUIRE_FALSE(missing);
	CHECK(missing.error().exit == ExitCode::no_such_process);
	CHECK(missing.error().msg == "no such process: 2147483647");
}
