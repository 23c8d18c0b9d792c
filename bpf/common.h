/* Structs shared by every program in bpf/ and by lib/ (the loader and the
 * readers). Fixed-width fields only, padding written out; tests/test_abi.cpp
 * pins the layout. */
#ifndef XPU_BPF_COMMON_H
#define XPU_BPF_COMMON_H

#if !defined(__bpf__)
#include <linux/types.h>
#endif

#define XPU_MAX_STACK_DEPTH 255
#define XPU_COMM_LEN 16

/* One call stack, leaf first. Stored in the `stacks` map under a 64-bit hash
 * of its frames (not a STACK_TRACE map: its bucket collisions lose stacks
 * silently once a few thousand are unique). */
struct xpu_stack {
	__u32 nr;
	__u32 _pad;
	__u64 ip[XPU_MAX_STACK_DEPTH];
};

/* Per-process state. `gen` names the process's current address space with a
 * number unique in the session (a global counter), bumped at exec, so samples
 * from before and after an exec, or from a recycled pid, never share maps. */
struct xpu_proc {
	__u32 gen;
	__u32 announced; /* XPU_EV_NEW_PROC sent for this gen */
};

/* Every record on the `events` ring buffer starts with its type. */
enum xpu_event_type {
	XPU_EV_NEW_PROC = 1, /* first sample of an address space: read its maps */
	XPU_EV_EXEC = 2,     /* exec: a new address space */
	XPU_EV_FORK = 3,     /* new process; its maps are its parent's */
	XPU_EV_EXIT = 4,     /* last thread of a process exited */
	XPU_EV_STACK = 5,    /* a stack the `stacks` map could not take */
	XPU_EV_UNKNOWN_MAPPING = 6, /* a pc in no mapping the unwinder knows:
				     * read the maps again (dlopen, late libs) */
	XPU_EV_TABLE_WANTED = 7,    /* a walk met a binary whose table is not
				     * loaded yet (or was evicted): build it next */
};

struct xpu_proc_event {
	__u32 type;
	__u32 pid;
	__u32 gen;
	__u32 ppid;       /* XPU_EV_FORK: parent tgid */
	__u32 parent_gen; /* XPU_EV_FORK: parent's address space */
	__u32 bin;        /* XPU_EV_TABLE_WANTED: the unwind_bins index */
	__u64 ts_ns;      /* CLOCK_MONOTONIC */
	char comm[XPU_COMM_LEN];
};

/* A stack whose insertion into `stacks` failed: on-demand map entries come
 * from a small per-CPU cache that is refilled only once interrupts are back
 * on, so a second new stack in one program run (or a full map) would be
 * lost. It travels through the ring buffer instead; user space adds it to
 * the store. Also the per-CPU scratch space where stacks are taken. */
struct xpu_stack_event {
	__u32 type;  /* XPU_EV_STACK */
	__u32 _pad;
	__u64 hash;
	struct xpu_stack stack;
};

/* Key flags: a stack that was asked for but could not be captured, and (off-
 * CPU) whether the waker fields are filled. */
#define XPU_KEY_USTACK_ERR (1u << 0)
#define XPU_KEY_KSTACK_ERR (1u << 1)
#define XPU_KEY_WAKER (1u << 2)

/* Indexes into the `stats` array of counters (global, in .bss). */
enum xpu_stat {
	XPU_STAT_SAMPLES = 0,        /* on-CPU samples counted for targets */
	XPU_STAT_USTACK_ERR = 1,     /* user stack capture failed */
	XPU_STAT_KSTACK_ERR = 2,     /* kernel stack capture failed */
	XPU_STAT_STACKS_LOST = 3,    /* stack neither stored nor sent: lost */
	XPU_STAT_COUNTS_FULL = 4,    /* `counts` map full: sample lost */
	XPU_STAT_PROCS_FULL = 5,     /* `procs` or `targets` full */
	XPU_STAT_EVENTS_LOST = 6,    /* ring buffer full: event lost */
	XPU_STAT_SWITCHES = 7,       /* off-CPU intervals counted for targets */
	XPU_STAT_OFFCPU_FULL = 8,    /* `offcpu_counts` full: interval lost */
	XPU_STAT_THREADS_FULL = 9,   /* no task storage for a thread: wait lost */
	XPU_STAT_OFFCPU_FILTERED = 10, /* outside --min-block/--max-block */
	XPU_STAT_STACKS_SENT = 11,   /* stacks sent through the ring buffer */
	XPU_STAT_LAUNCHES = 12,      /* GPU launches seen by the launch probes */
	XPU_STAT_LAUNCHES_LOST = 13, /* `launches` ring buffer full: launch lost */
	XPU_STAT_NET_EVENTS = 14,    /* socket sends/receives counted for targets */
	XPU_STAT_NET_FULL = 15,      /* `net_counts` full: network event lost */
	XPU_STAT_OFFCPU_TRACE_LOST = 16, /* `offcpu_events` ring full: an interval
					  * left out of the timeline (still counted) */
	XPU_STAT_OFFCPU_UNSEEN = 17, /* of XPU_STAT_SWITCHES, those whose end no
				      * switch reported: ended where the
				      * thread's CPU time says */
	XPU_STAT_MAX = 18,
};

#endif /* XPU_BPF_COMMON_H */
