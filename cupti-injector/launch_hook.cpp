// The function xpu-perf's uprobe attaches to. The injector calls it at the
// exit of each outermost launch-class CUDA API call with that call's
// correlation id; the uprobe reads the three arguments and takes the CPU
// stack, and the pair (pid, corr) later joins that stack with the kernels,
// copies and memsets the launch produced.
//
// Its own file, with no CUPTI include, because the Makefile also builds it
// alone into build/fixtures/libxpu_launch_hook.so: the eBPF tests call the
// real hook from a program that has no CUDA.
//
// Everything here serves one promise: a real, never-inlined function with
// this exact name and signature that the compiler cannot fold away.
//   noinline, used       the body is not merged into callers nor dropped;
//   visibility default   exported in .dynsym, where the uprobe finds it even
//                        in a stripped library;
//   asm volatile         the arguments are "used", so their registers hold
//                        them at entry and the call is not elided as pure;
//                        its nop is the instruction the uprobe replaces (one
//                        that kernels emulate cheaply, unlike a bare ret).
// The file is compiled with -fno-omit-frame-pointer; callers are compiled
// with -fno-optimize-sibling-calls so that the call stays a call (a tail jump
// would drop the caller's frame from the stack the uprobe sees).
#include <stdint.h>

extern "C" __attribute__((noinline, used, visibility("default"))) void
xpu_perf_launch_hook(uint32_t corr, uint32_t cbid, uint32_t domain)
{
	asm volatile("nop" ::"r"(corr), "r"(cbid), "r"(domain) : "memory");
}
