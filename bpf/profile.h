/* Structs shared by bpf/profile.bpf.c and lib/cpu_sampler.cpp.
 * Fixed-width fields only, padding written out; tests/test_abi.cpp pins the
 * layout. */
#ifndef XPU_BPF_PROFILE_H
#define XPU_BPF_PROFILE_H

#if !defined(__bpf__)
#include <linux/types.h>
#endif

#define XPU_MAX_STACK_DEPTH 127 /* kernel.perf_event_max_stack default */
#define XPU_COMM_LEN 16

/* One call stack, leaf first. Stored in the `stacks` map under a 64-bit hash
 * of its frames (not a STACK_TRACE map: its bucket collisions lose stacks
 * silently once a few thousand are unique). */
struct xpu_stack {
	__u32 nr;
	__u32 _pad;
	__u64 ip[XPU_MAX_STACK_DEPTH];
};

/* Key of the in-kernel `counts` map: one entry per distinct
 * (process, thread, address space, user stack, kernel stack, comm). */
struct xpu_sample_key {
	__u32 pid;     /* tgid */
	__u32 tid;
	__u64 ustack;  /* hash into `stacks`, 0 when there is none */
	__u64 kstack;  /* hash into `stacks`, 0 when there is none */
	__u32 gen;     /* address-space id, see struct xpu_proc */
	__u32 flags;   /* XPU_SAMPLE_* */
	char comm[XPU_COMM_LEN];
};

#define XPU_SAMPLE_USTACK_ERR (1u << 0) /* user stack requested, capture failed */
#define XPU_SAMPLE_KSTACK_ERR (1u << 1) /* kernel stack requested, capture failed */

/* Per-process state. `gen` names the process's current address space with a
 * number unique in the session (a global counter), bumped at exec, so samples
 * from before and after an exec, or from a recycled pid, never share maps. */
struct xpu_proc {
	__u32 gen;
	__u32 announced; /* XPU_EV_NEW_PROC sent for this gen */
};

enum xpu_event_type {
	XPU_EV_NEW_PROC = 1, /* first sample of an address space: read its maps */
	XPU_EV_EXEC = 2,     /* exec: a new address space */
	XPU_EV_FORK = 3,     /* new process; its maps are its parent's */
	XPU_EV_EXIT = 4,     /* last thread of a process exited */
};

struct xpu_proc_event {
	__u32 type;
	__u32 pid;
	__u32 gen;
	__u32 ppid;       /* XPU_EV_FORK: parent tgid */
	__u32 parent_gen; /* XPU_EV_FORK: parent's address space */
	__u32 _pad;
	__u64 ts_ns;      /* CLOCK_MONOTONIC */
	char comm[XPU_COMM_LEN];
};

/* Indexes into the `stats` array of counters (global, in .bss). */
enum xpu_stat {
	XPU_STAT_SAMPLES = 0,     /* samples counted for targets */
	XPU_STAT_USTACK_ERR = 1,  /* user stack capture failed */
	XPU_STAT_KSTACK_ERR = 2,  /* kernel stack capture failed */
	XPU_STAT_STACKS_FULL = 3, /* `stacks` map full: stack lost */
	XPU_STAT_COUNTS_FULL = 4, /* `counts` map full: sample lost */
	XPU_STAT_PROCS_FULL = 5,  /* `procs` or `targets` full */
	XPU_STAT_EVENTS_LOST = 6, /* ring buffer full: event lost */
	XPU_STAT_MAX = 7,
};

#endif /* XPU_BPF_PROFILE_H */
