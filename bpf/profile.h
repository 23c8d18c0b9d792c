/* On-CPU samples: the key of the in-kernel `counts` map (bpf/profile.bpf.c,
 * read by lib/kernel/cpu_sampler.cpp). */
#ifndef XPU_BPF_PROFILE_H
#define XPU_BPF_PROFILE_H

#include "common.h"

/* One entry per distinct (process, thread, address space, user stack,
 * kernel stack, comm); the value is a sample count. */
struct xpu_sample_key {
	__u32 pid;     /* tgid */
	__u32 tid;
	__u64 ustack;  /* hash into `stacks`, 0 when there is none */
	__u64 kstack;  /* hash into `stacks`, 0 when there is none */
	__u32 gen;     /* address-space id, see struct xpu_proc */
	__u32 flags;   /* XPU_KEY_* */
	char comm[XPU_COMM_LEN];
};

#endif /* XPU_BPF_PROFILE_H */
