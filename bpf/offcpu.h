/* Off-CPU intervals: the keys and values of bpf/offcpu.bpf.c's maps, read by
 * lib/offcpu_tracer.cpp. */
#ifndef XPU_BPF_OFFCPU_H
#define XPU_BPF_OFFCPU_H

#include "common.h"

/* Thread states, as ps(1) prints them. */
#define XPU_STATE_RUNNABLE 'R'      /* preempted: waiting for a CPU */
#define XPU_STATE_SLEEPING 'S'      /* interruptible sleep */
#define XPU_STATE_DISK 'D'          /* uninterruptible (I/O, some locks) */
#define XPU_STATE_IDLE 'I'          /* D that does not count as load */
#define XPU_STATE_STOPPED 'T'       /* stopped or traced */
#define XPU_STATE_OTHER '?'

/* Where a thread went off-CPU, kept until it comes back. */
struct xpu_offcpu_start {
	__u64 ts_ns;
	__u64 ustack;
	__u64 kstack;
	__u32 pid;
	__u32 gen;
	__u32 state;   /* XPU_STATE_* */
	__u32 flags;   /* XPU_KEY_* */
	char comm[XPU_COMM_LEN];
};

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

#endif /* XPU_BPF_OFFCPU_H */
