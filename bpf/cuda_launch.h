/* GPU kernel launches: one record per launch, taken by the uprobe on the
 * injector's launch hook (bpf/cuda_launch.bpf.c) and read by
 * lib/gpu/gpu_launch_probe.cpp, which joins it with the GPU's own records by
 * (pid, correlation id). */
#ifndef XPU_BPF_CUDA_LAUNCH_H
#define XPU_BPF_CUDA_LAUNCH_H

#include "common.h"

/* Where the launch came from: the injector's hook, whose arguments carry the
 * CUPTI correlation id, or (no injector in the process) an entry point of
 * libcudart/libcuda, which gives the stack and a count but no id. */
enum xpu_launch_origin {
	XPU_LAUNCH_HOOK = 1,
	XPU_LAUNCH_API_ENTRY = 2,
};

struct xpu_launch_event {
	__u32 pid;     /* tgid */
	__u32 tid;
	__u32 gen;     /* address-space id, see struct xpu_proc */
	__u32 flags;   /* XPU_KEY_* */
	__u64 ts_ns;   /* CLOCK_MONOTONIC */
	__u64 ustack;  /* hash into `stacks`, 0 when there is none */
	__u32 corr;    /* CUPTI correlation id (hook), 0 otherwise */
	__u32 cbid;    /* CUPTI callback id (hook); entry point index otherwise */
	__u32 domain;  /* CUPTI callback domain (hook) */
	__u32 origin;  /* enum xpu_launch_origin */
	char comm[XPU_COMM_LEN];
};

#endif /* XPU_BPF_CUDA_LAUNCH_H */
