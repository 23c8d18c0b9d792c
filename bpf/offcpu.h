/* Off-CPU intervals: the keys and values of bpf/offcpu.bpf.c's maps, read by
 * lib/kernel/offcpu_tracer.cpp. */
#ifndef XPU_BPF_OFFCPU_H
#define XPU_BPF_OFFCPU_H

#include "common.h"

#if !defined(__bpf__)
#include <linux/bpf.h> /* struct bpf_spin_lock */
#endif

/* Thread states, as ps(1) prints them. */
#define XPU_STATE_RUNNABLE 'R'      /* preempted: waiting for a CPU */
#define XPU_STATE_SLEEPING 'S'      /* interruptible sleep */
#define XPU_STATE_DISK 'D'          /* uninterruptible (I/O, some locks) */
#define XPU_STATE_IDLE 'I'          /* D that does not count as load */
#define XPU_STATE_STOPPED 'T'       /* stopped or traced */
#define XPU_STATE_OTHER '?'

/* Who woke a thread (--wakers), kept until the thread runs: the task that
 * was current when the wake-up was issued. For a timer or an interrupt that
 * is whatever the CPU was running (pid 0 when idle). */
struct xpu_waker {
	__u64 ustack;
	__u64 kstack;
	__u32 pid;
	__u32 gen;
	__u32 flags;  /* XPU_KEY_*_ERR of the waker's stacks */
	__u32 _pad;
	char comm[XPU_COMM_LEN];
};

/* One entry per distinct blocked stack, state and (with --wakers) waker. */
struct xpu_offcpu_key {
	__u32 pid;
	__u32 tid;
	__u64 ustack;
	__u64 kstack;
	__u32 gen;
	__u32 flags;      /* XPU_KEY_* */
	__u32 state;      /* XPU_STATE_* */
	__u32 waker_pid;  /* with XPU_KEY_WAKER: the waker's tgid (0: idle) */
	__u64 waker_ustack;
	__u64 waker_kstack;
	__u32 waker_gen;
	__u32 _pad;
	char comm[XPU_COMM_LEN];
	char waker_comm[XPU_COMM_LEN];
};

struct xpu_offcpu_value {
	__u64 ns;     /* total time off-CPU */
	__u64 count;  /* intervals */
};

/* One finished wait of a target thread, for `record --trace-off-cpu`'s
 * timeline, sent through the `offcpu_events` ring buffer as it ends (or at
 * the end of recording, cut there). The same wait is also counted under
 * its key: the timeline adds to the folded profile, it takes nothing away. */
struct xpu_offcpu_interval {
	__u32 pid;
	__u32 tid;
	__u64 start_ns;  /* CLOCK_MONOTONIC, when it left the CPU */
	__u64 dur_ns;
	__u64 ustack;
	__u64 kstack;
	__u32 gen;
	__u32 flags;     /* XPU_KEY_*_ERR */
	__u32 state;     /* XPU_STATE_* */
	__u32 _pad;
	char comm[XPU_COMM_LEN];
};

#define XPU_REUSE_SLOTS 4 /* a power of two */

/* Per-thread state, in task local storage (bpf/threads.bpf.h). */
struct xpu_thread {
	/* Facts about the thread's process, cached: looked up once, and again
	 * after an exec (procs.bpf.c clears `known`). */
	__u32 known;
	__u32 pid;
	__u32 gen;
	__u32 _pad0;
	/* The wait in progress. */
	__u64 off_ts;    /* when it left the CPU; 0: not off-CPU */
	__u64 ustack;
	__u64 kstack;
	__u32 state;     /* XPU_STATE_* */
	__u32 flags;     /* XPU_KEY_* */
	char comm[XPU_COMM_LEN];
	__u32 has_waker;
	__u32 _pad1;
	struct xpu_waker waker;
	/* Stack reuse: a thread that blocks again at a place it blocked at
	 * recently (same signature of registers and first frame) within
	 * XPU_REUSE_NS, and less than XPU_REUSE_MAX times since the stacks
	 * were taken, reuses them instead of walking them again. A few places
	 * (a loop that reads, then writes) are remembered, by signature. */
	struct xpu_reuse_slot {
		__u64 sig;
		__u64 ts;
		__u64 ustack;
		__u64 kstack;
		__u32 flags;
		__u32 uses;
	} reuse[XPU_REUSE_SLOTS];
	/* Waits that end with the same key as the last one add up here and
	 * reach `offcpu_counts` when the key changes, at thread exit, or at
	 * the end of recording: one map update per change, not per wait. */
	struct xpu_offcpu_key pend_key;
	__u64 pend_ns;
	__u64 pend_count;
	/* Live views (top, live) cut the session into windows: a wait that
	 * spans a window's end is counted up to it (off_ts moves there), so
	 * wait_start keeps when it began, for --min-block/--max-block; the
	 * iterator also takes the pending sums, so each reaches its window. */
	__u64 wait_start;
	/* The thread's CPU time (se.sum_exec_runtime) when it left: should
	 * the switch that brings it back go unseen, what it has run since
	 * tells when it came back (see end_unseen in offcpu.bpf.c). */
	__u64 off_runtime;
	__u32 pend_epoch;
	/* Guards pend_*: a window's iterator takes the sums while the thread
	 * may be adding to them on another CPU. */
	struct bpf_spin_lock pend_lock;
};

#define XPU_REUSE_MAX 32
#define XPU_REUSE_NS (50 * 1000 * 1000ULL)

#endif /* XPU_BPF_OFFCPU_H */
