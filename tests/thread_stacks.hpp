// For the tests that build events by hand: a thread's stacks with the
// fields those tests set (the rest zero, as the kernel leaves them when a
// stack was not taken).
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "profile/event.hpp"

namespace xpu::test {

inline ThreadStacks thread_stacks(pid_t pid, pid_t tid, const char *comm, uint64_t ustack = 0,
				  uint32_t flags = 0)
{
	ThreadStacks t;
	t.pid = pid;
	t.tid = tid;
	t.comm = comm;
	t.ustack = ustack;
	t.flags = flags;
	return t;
}

}  // namespace xpu::test
