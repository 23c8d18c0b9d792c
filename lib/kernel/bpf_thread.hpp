// The thread and stacks that a BPF key or event names, as user space keeps
// them (profile/event.hpp's ThreadStacks). Every key and event of bpf/*.h
// that carries a stack names its thread with the same fields (pid, gen,
// flags, comm, ustack; tid and kstack where the program has them), so one
// conversion serves them all.
#pragma once

#include <sys/types.h>

#include <cstring>

#include "profile/event.hpp"

namespace xpu {

template <class Key>
ThreadStacks thread_stacks_of(const Key &k)
{
	ThreadStacks t;
	t.pid = static_cast<pid_t>(k.pid);
	if constexpr (requires { k.tid; })
		t.tid = static_cast<pid_t>(k.tid);
	t.gen = k.gen;
	t.flags = k.flags;
	t.comm.assign(k.comm, strnlen(k.comm, sizeof(k.comm)));
	t.ustack = k.ustack;
	if constexpr (requires { k.kstack; })
		t.kstack = k.kstack;
	return t;
}

}  // namespace xpu
