// The structs bpf/profile.bpf.c shares with lib/: their layout is part of
// the contract between the two compilers (clang -target bpf and g++).
#include <cstddef>

#include <catch2/catch.hpp>

#include "bpf/profile.h"

static_assert(sizeof(xpu_stack) == 8 + 8 * XPU_MAX_STACK_DEPTH);
static_assert(offsetof(xpu_stack, ip) == 8);
static_assert(sizeof(xpu_sample_key) == 48);
static_assert(offsetof(xpu_sample_key, ustack) == 8);
static_assert(offsetof(xpu_sample_key, kstack) == 16);
static_assert(offsetof(xpu_sample_key, gen) == 24);
static_assert(offsetof(xpu_sample_key, flags) == 28);
static_assert(offsetof(xpu_sample_key, comm) == 32);
static_assert(sizeof(xpu_proc) == 8);
static_assert(sizeof(xpu_proc_event) == 48);
static_assert(offsetof(xpu_proc_event, ts_ns) == 24);
static_assert(offsetof(xpu_proc_event, comm) == 32);

TEST_CASE("BPF-shared structs have no hidden padding", "[abi]")
{
	// Every byte of a map key must be written by the BPF side, or equal
	// keys hash differently: padding that clang adds silently would break
	// the in-kernel aggregation. The static_asserts above pin the layout;
	// this checks the sum of the fields matches it.
	xpu_sample_key k{};
	CHECK(sizeof(k.pid) + sizeof(k.tid) + sizeof(k.ustack) + sizeof(k.kstack) + sizeof(k.gen) +
		      sizeof(k.flags) + sizeof(k.comm) ==
	      sizeof(k));
	xpu_proc_event e{};
	CHECK(sizeof(e.type) + sizeof(e.pid) + sizeof(e.gen) + sizeof(e.ppid) +
		      sizeof(e.parent_gen) + sizeof(e._pad) + sizeof(e.ts_ns) + sizeof(e.comm) ==
	      sizeof(e));
}
