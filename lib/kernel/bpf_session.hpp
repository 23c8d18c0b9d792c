// The kernel side of a session: loads the one linked BPF object (bpf/*.bpf.c),
// keeps the target set, follows processes (fork, exec, exit), and reads the
// stack store. The sources (cpu_sampler, offcpu_tracer) attach their own
// programs to it and read their own counts.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/error.hpp"
#include "bpf/common.h"
#include "kernel/call_graph.hpp"
#include "profile/python_walks.hpp"
#include "profile/event.hpp"

struct xpu_bpf;

namespace xpu {

struct BpfOptions {
	bool all_processes = false;  // -a: no pid filter
	bool user_stacks = true;     // false with -K
	bool kernel_stacks = true;   // false with -U
	bool oncpu = true;           // load the sampling program
	bool offcpu = false;         // load the sched_switch program
	bool wakers = false;         // and sched_waking (--wakers)
	bool offcpu_trace = false;   // each wait also through a ring (--trace-off-cpu)
	uint64_t min_block_ns = 1000;
	uint64_t max_block_ns = UINT64_MAX;
	CallGraph call_graph = CallGraph::automatic;
	bool windows = false;        // live views: load the window-cutting iterator
	// GPU launch probes (bpf/cuda_launch.bpf.c), each only when used: both
	// walk stacks, and verifying a walker costs tens of ms at start-up.
	bool gpu_hook = false;       // at the injector's hook
	bool gpu_entries = false;    // at the CUDA API's entry points (-p)
	// Capacity of the unwind rows array: 8M rows, 64 MiB of kernel memory
	// (none of it in our RSS: unwind_loader maps a table's pages only while
	// writing them). Importing torch fills 4M: libtorch_cpu's table with its
	// index is 1.75M rows and must find them contiguous among hot tables.
	uint32_t unwind_rows = 1u << 23;
	// Network I/O (bpf/net.bpf.c), per tracepoint: only those this kernel
	// has (net_probe.hpp), since a missing one fails the whole load.
	bool net_send = false;
	bool net_recv = false;
	bool net_retransmit = false;
	bool net_destroy = false;    // tcp_destroy_sock: retransmit attribution hygiene
	// Tests only: the off-CPU program ignores every switch in, as the kernel
	// sometimes fails to report one (bpf/offcpu.bpf.c, unseen_return).
	bool drop_switch_ins = false;
};

// Whether BPF programs may call bpf_loop (kernel >= 5.17): our own user-stack
// walker needs it; without it bpf_get_stack walks frame pointers instead.
bool kernel_has_bpf_loop();

// A process event from the kernel side. The values are bpf/common.h's; the
// ring buffer's other record (XPU_EV_STACK) never becomes a ProcEvent.
struct ProcEvent {
	enum class Type : __u32 {
		new_proc = XPU_EV_NEW_PROC,
		exec = XPU_EV_EXEC,
		fork = XPU_EV_FORK,
		exit = XPU_EV_EXIT,
		unknown_mapping = XPU_EV_UNKNOWN_MAPPING,
		table_wanted = XPU_EV_TABLE_WANTED,
	};
	Type type;
	pid_t pid;
	uint32_t gen;         // address-space id
	pid_t ppid;           // fork only
	uint32_t parent_gen;  // fork only
	uint32_t bin;         // table_wanted only: the unwind_bins index
	std::string comm;
};

struct BpfStats {
	uint64_t samples = 0;         // on-CPU samples of targets
	uint64_t switches = 0;        // off-CPU intervals of targets
	uint64_t ustack_errors = 0;
	uint64_t kstack_errors = 0;
	uint64_t stacks_lost = 0;     // stack neither stored in the map nor sent
	uint64_t stacks_sent = 0;     // stacks that came through the ring buffer
	uint64_t counts_full = 0;     // sample lost: `counts` map full
	uint64_t offcpu_full = 0;     // interval lost: off-CPU maps full
	uint64_t offcpu_filtered = 0; // outside --min-block/--max-block
	uint64_t procs_full = 0;
	uint64_t events_lost = 0;     // ring buffer full
	uint64_t launches = 0;        // GPU launches the launch probes saw
	uint64_t launches_lost = 0;   // GPU launches dropped: `launches` ring full
	uint64_t net_events = 0;      // socket sends/receives of targets counted
	uint64_t net_full = 0;        // network events lost: `net_counts` full
	uint64_t offcpu_trace_lost = 0;  // waits left out of the timeline: ring full
	// Waits whose end no switch reported: counted up to where the thread's
	// CPU time puts it (bpf/offcpu.bpf.c, unseen_return). Not a loss.
	uint64_t offcpu_unseen = 0;
	PyWalkStats python;           // the Python walker (bpf/python.bpf.h)
	// Samples, intervals and launches dropped, and process events missed.
	uint64_t lost() const { return counts_full + offcpu_full + events_lost + launches_lost + net_full; }
	uint64_t stack_errors() const { return ustack_errors + kstack_errors + stacks_lost; }
};

class BpfSession {
public:
	using EventFn = std::function<void(const ProcEvent &)>;

	static Result<std::unique_ptr<BpfSession>> open(const BpfOptions &opts);
	~BpfSession();

	// Traces `pid` and, from then on, every process it forks.
	Result<void> add_target(pid_t pid);
	// Attaches the fork/exec/exit tracepoints.
	Result<void> track_processes();
	// Detaches everything attached to the session's programs.
	void detach_process_tracking();

	// A descriptor that polls readable when process events are pending.
	int events_fd() const;
	// Passes every pending process event to `fn`, without blocking.
	Result<void> consume(const EventFn &fn);

	Result<StackStore> read_stacks() const;
	// Adds to `cache` the stacks behind `hashes` that it lacks (0 and
	// unknown hashes are skipped): a live view's reads cost what is new.
	Result<void> fetch_stacks(const std::vector<uint64_t> &hashes, StackStore &cache) const;
	// Drops stacks no window needs any more from the kernel's map (and
	// from those that came through the ring buffer), so a long windowed
	// session keeps room for new ones. A stack sampled again is stored again.
	void forget_stacks(const std::vector<uint64_t> &hashes);
	BpfStats stats() const;

	const BpfOptions &options() const;
	xpu_bpf &skel();

	struct Impl;

private:
	explicit BpfSession(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

}  // namespace xpu
