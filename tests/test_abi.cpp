// The structs bpf/ shares with lib/: their layout is part of the contract
// between the two compilers (clang -target bpf and g++).
#include <cstddef>

#include <catch2/catch.hpp>

#include "bpf/common.h"
#include "bpf/cuda_launch.h"
#include "bpf/net.h"
#include "bpf/offcpu.h"
#include "bpf/profile.h"
#include "bpf/python.h"
#include "bpf/unwind.h"
#include "kernel/bpf_session.hpp"
#include "kernel/call_graph.hpp"
#include "profile/profile_builder.hpp"

// The Python walker's per-interpreter record (bpf/python.h), written by
// lib/python and read by bpf/python.bpf.h.
static_assert(sizeof(xpu_py_proc) == 72);
static_assert(offsetof(xpu_py_proc, eval_end) == 16);
static_assert(offsetof(xpu_py_proc, tss) == 32);
static_assert(offsetof(xpu_py_proc, code_type) == 40);
static_assert(offsetof(xpu_py_proc, ts_cframe) == 48);
static_assert(offsetof(xpu_py_proc, f_instr) == 56);
static_assert(offsetof(xpu_py_proc, f_entry) == 58);
static_assert(offsetof(xpu_py_proc, code_first) == 60);
static_assert(offsetof(xpu_py_proc, entry_kind) == 62);
static_assert(offsetof(xpu_py_proc, minor) == 63);
static_assert(offsetof(xpu_py_proc, code_qualname) == 64);
// py_stats' per-CPU value, summed by lib/kernel/bpf_session.cpp.
static_assert(sizeof(xpu_py_stats) == 8 * XPU_PY_STAT_MAX);
// entry_kind's values, as lib/python's offsets table writes them.
static_assert(XPU_PY_ENTRY_FLAG == 1 && XPU_PY_ENTRY_CSTACK == 2 && XPU_PY_ENTRY_PER_CALL == 3);
static_assert(sizeof(xpu_stack) == 8 + 8 * XPU_MAX_STACK_DEPTH);
static_assert(offsetof(xpu_stack, ip) == 8);
static_assert(sizeof(xpu_stack_event) == 16 + sizeof(xpu_stack));
static_assert(offsetof(xpu_stack_event, hash) == 8);
static_assert(sizeof(xpu_proc) == 8);
static_assert(sizeof(xpu_proc_event) == 48);
static_assert(offsetof(xpu_proc_event, ts_ns) == 24);
static_assert(offsetof(xpu_proc_event, comm) == 32);

static_assert(sizeof(xpu_sample_key) == 48);
static_assert(offsetof(xpu_sample_key, ustack) == 8);
static_assert(offsetof(xpu_sample_key, kstack) == 16);
static_assert(offsetof(xpu_sample_key, gen) == 24);
static_assert(offsetof(xpu_sample_key, flags) == 28);
static_assert(offsetof(xpu_sample_key, comm) == 32);

static_assert(offsetof(xpu_thread, off_ts) == 16);
static_assert(offsetof(xpu_thread, pend_key) % 8 == 0);  // compared as u64 words
static_assert(sizeof(xpu_thread) == 416);  // task storage, per target thread
static_assert(sizeof(xpu_waker) == 48);
static_assert(sizeof(xpu_offcpu_key) == 96);
static_assert(offsetof(xpu_offcpu_key, state) == 32);
static_assert(offsetof(xpu_offcpu_key, waker_ustack) == 40);
static_assert(offsetof(xpu_offcpu_key, waker_gen) == 56);
static_assert(offsetof(xpu_offcpu_key, comm) == 64);
static_assert(offsetof(xpu_offcpu_key, waker_comm) == 80);
static_assert(sizeof(xpu_offcpu_value) == 16);
static_assert(sizeof(xpu_offcpu_interval) == 72);  // --trace-off-cpu's ring records
static_assert(offsetof(xpu_offcpu_interval, start_ns) == 8);
static_assert(offsetof(xpu_offcpu_interval, ustack) == 24);
static_assert(offsetof(xpu_offcpu_interval, state) == 48);
static_assert(offsetof(xpu_offcpu_interval, comm) == 56);

// The unwind tables (bpf/unwind.h), built by lib/kernel/unwind_loader.cpp.
static_assert(sizeof(xpu_unwind_rule) == 8);
static_assert(offsetof(xpu_unwind_rule, rbp_kind) == 1);
static_assert(offsetof(xpu_unwind_rule, cfa_off) == 2);
static_assert(offsetof(xpu_unwind_rule, rbp_off) == 4);
static_assert(sizeof(xpu_unwind_row) == 8);
static_assert(offsetof(xpu_unwind_row, rule) == 4);
static_assert(sizeof(xpu_unwind_bin) == 32);
static_assert(offsetof(xpu_unwind_bin, row_count) == 4);
static_assert(offsetof(xpu_unwind_bin, flags) == 8);
static_assert(offsetof(xpu_unwind_bin, page_base) == 16);
static_assert(offsetof(xpu_unwind_bin, page_count) == 20);
static_assert(offsetof(xpu_unwind_bin, page_shift) == 24);
// A page of the index takes one slot of unwind_rows.
static_assert(sizeof(xpu_unwind_page) == sizeof(xpu_unwind_row));
static_assert(offsetof(xpu_unwind_page, count) == 4);
static_assert(offsetof(xpu_unwind_page, rule) == 6);
static_assert(sizeof(xpu_unwind_mapping) == 32);
static_assert(offsetof(xpu_unwind_mapping, end) == 8);
static_assert(offsetof(xpu_unwind_mapping, bias) == 16);
static_assert(offsetof(xpu_unwind_mapping, bin) == 24);
static_assert(sizeof(xpu_unwind_proc) == 16 + 32 * XPU_UNWIND_MAPPINGS);
static_assert(offsetof(xpu_unwind_proc, gen) == 4);
static_assert(offsetof(xpu_unwind_proc, reported_ns) == 8);
static_assert(offsetof(xpu_unwind_proc, m) == 16);

// GPU launches (bpf/cuda_launch.h), read by lib/gpu/gpu_launch_probe.cpp.
static_assert(sizeof(xpu_launch_event) == 64);
static_assert(offsetof(xpu_launch_event, ts_ns) == 16);
static_assert(offsetof(xpu_launch_event, ustack) == 24);
static_assert(offsetof(xpu_launch_event, corr) == 32);
static_assert(offsetof(xpu_launch_event, cbid) == 36);
static_assert(offsetof(xpu_launch_event, domain) == 40);
static_assert(offsetof(xpu_launch_event, origin) == 44);
static_assert(offsetof(xpu_launch_event, comm) == 48);

// Enums user space takes from the headers rather than copying: the values
// that cross the boundary are the C enum's.
static_assert(static_cast<__u32>(xpu::ProcEvent::Type::exec) == XPU_EV_EXEC);
static_assert(static_cast<__u32>(xpu::ProcEvent::Type::unknown_mapping) == XPU_EV_UNKNOWN_MAPPING);
static_assert(static_cast<__u32>(xpu::ProcEvent::Type::table_wanted) == XPU_EV_TABLE_WANTED);
static_assert(offsetof(xpu_proc_event, bin) == 20);
static_assert(offsetof(xpu_unwind_bin, used_epoch) == 12);
static_assert(xpu::bpf_unwind_mode(xpu::CallGraph::fp) == XPU_UNWIND_FP);
static_assert(xpu::bpf_unwind_mode(xpu::CallGraph::dwarf) == XPU_UNWIND_DWARF);
static_assert(xpu::bpf_unwind_mode(xpu::CallGraph::automatic) == XPU_UNWIND_AUTO);
static_assert(sizeof(xpu_net_key) == 112);
static_assert(offsetof(xpu_net_key, ustack) == 8);
static_assert(offsetof(xpu_net_key, flags) == 16);
static_assert(offsetof(xpu_net_key, dir) == 20);
static_assert(offsetof(xpu_net_key, family) == 22);
static_assert(offsetof(xpu_net_key, protocol) == 24);
static_assert(offsetof(xpu_net_key, port) == 26);
static_assert(offsetof(xpu_net_key, addr_len) == 28);
static_assert(offsetof(xpu_net_key, addr) == 32);
static_assert(offsetof(xpu_net_key, comm) == 96);
static_assert(sizeof(xpu_net_value) == 16);
static_assert(sizeof(xpu_net_owner) == 40);
static_assert(offsetof(xpu_net_owner, comm) == 24);

TEST_CASE("BPF-shared map keys have no hidden padding", "[abi]")
{
	// Every byte of a map key must be written by the BPF side, or equal
	// keys hash differently: padding that clang adds silently would break
	// the in-kernel aggregation. The static_asserts above pin the layout;
	// this checks the fields add up to it, so no byte is unnamed.
	xpu_sample_key k{};
	CHECK(sizeof(k.pid) + sizeof(k.tid) + sizeof(k.ustack) + sizeof(k.kstack) + sizeof(k.gen) +
		      sizeof(k.flags) + sizeof(k.comm) ==
	      sizeof(k));
	xpu_offcpu_key o{};
	CHECK(sizeof(o.pid) + sizeof(o.tid) + sizeof(o.ustack) + sizeof(o.kstack) + sizeof(o.gen) +
		      sizeof(o.flags) + sizeof(o.state) + sizeof(o.waker_pid) +
		      sizeof(o.waker_ustack) + sizeof(o.waker_kstack) + sizeof(o.waker_gen) +
		      sizeof(o._pad) + sizeof(o.comm) + sizeof(o.waker_comm) ==
	      sizeof(o));
	xpu_net_key n{};
	CHECK(sizeof(n.pid) + sizeof(n.gen) + sizeof(n.ustack) + sizeof(n.flags) + sizeof(n.dir) +
		      sizeof(n.family) + sizeof(n.protocol) + sizeof(n.port) + sizeof(n.addr_len) +
		      sizeof(n.addr) + sizeof(n.comm) ==
	      sizeof(n));
	xpu_proc_event e{};
	CHECK(sizeof(e.type) + sizeof(e.pid) + sizeof(e.gen) + sizeof(e.ppid) +
		      sizeof(e.parent_gen) + sizeof(e.bin) + sizeof(e.ts_ns) + sizeof(e.comm) ==
	      sizeof(e));
}

TEST_CASE("--call-graph: one table from name to BPF value", "[abi]")
{
	using namespace xpu;
	CHECK(call_graph_names() == std::vector<std::string>{"fp", "dwarf", "auto"});
	for (const auto &m : kCallGraphModes) {
		CAPTURE(m.name);
		REQUIRE(call_graph_from_name(m.name) == m.mode);
		CHECK(call_graph_name(m.mode) == m.name);
	}
	CHECK(bpf_unwind_mode(*call_graph_from_name("auto")) == XPU_UNWIND_AUTO);
	CHECK_FALSE(call_graph_from_name("lbr"));
	CHECK_FALSE(call_graph_from_name("FP"));
}

TEST_CASE("truncation sentinels name bpf/unwind.h's reasons", "[abi]")
{
	using xpu::truncation_reason;
	CHECK(truncation_reason(XPU_TRUNC_BASE + XPU_TRUNC_NO_MAPPING) == "no-mapping");
	CHECK(truncation_reason(XPU_TRUNC_BASE + XPU_TRUNC_NO_TABLE) == "no-table");
	CHECK(truncation_reason(XPU_TRUNC_BASE + XPU_TRUNC_READ) == "read-fault");
	CHECK(truncation_reason(XPU_TRUNC_BASE + XPU_TRUNC_DEPTH) == "depth");
	CHECK(truncation_reason(XPU_TRUNC_BASE + XPU_TRUNC_BAD_CFA) == "bad-cfa");
	CHECK(truncation_reason(XPU_TRUNC_BASE + XPU_TRUNC_NO_CFI) == "no-cfi");
	CHECK(xpu::truncated_frame(XPU_TRUNC_BASE + XPU_TRUNC_NO_TABLE) == "[truncated:no-table]");
	// Values the kernel side never sends are "other", not a crash.
	CHECK(truncation_reason(XPU_TRUNC_BASE) == "other");
	CHECK(truncation_reason(XPU_TRUNC_BASE + 7) == "other");
	CHECK(truncation_reason(XPU_TRUNC_BASE + 0x800) == "other");
	CHECK(truncation_reason(XPU_TRUNC_BASE + XPU_END_ROOT) == "other");
}
