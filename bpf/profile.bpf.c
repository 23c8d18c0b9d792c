// SPDX-License-Identifier: GPL-2.0
/* On-CPU stack sampling: a perf_event program (cpu-clock or cycles, one event
 * per CPU) counts (process, thread, user stack, kernel stack) in the kernel;
 * user space reads the counts at the end of a record, or takes them (reads
 * and deletes) at the end of each window of top and live. Only target
 * processes are counted (common.bpf.h, procs.bpf.c). */
#include "common.bpf.h"
#include "profile.h"

/* max_entries and NO_PREALLOC are set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct xpu_sample_key);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(struct xpu_sample_key *key)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(&counts, key);

	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	if (bpf_map_update_elem(&counts, key, &one, BPF_NOEXIST) == 0)
		return;
	v = bpf_map_lookup_elem(&counts, key); /* raced with another CPU */
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		stat_inc(XPU_STAT_COUNTS_FULL);
}

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct xpu_sample_key key = {};
	struct xpu_proc *proc;
	struct user_start u = {};
	bool in_kernel, has_user;

	if (tgid == 0 || !is_target(tgid)) /* idle, or not ours */
		return 0;
	stat_inc(XPU_STAT_SAMPLES);
	proc = current_proc(tgid);
	key.pid = tgid;
	key.tid = (__u32)id;
	key.gen = proc ? proc->gen : 0;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	/* The verifier only accepts 8-byte loads of regs.cs; volatile keeps
	 * clang from narrowing it to 2 bytes. */
	in_kernel = !(*(volatile __u64 *)&ctx->regs.cs & 3);
	/* In user mode the sample's own registers are the user registers;
	 * in the kernel, the ones saved at kernel entry. */
	has_user = user_start_of(bpf_get_current_task_btf(), &u);
	if (has_user && !in_kernel) {
		u.ip = PT_REGS_IP(&ctx->regs);
		u.sp = PT_REGS_SP(&ctx->regs);
		u.bp = PT_REGS_FP(&ctx->regs);
	}
	capture_stacks(ctx, tgid, has_user ? &u : NULL, in_kernel, &key.ustack, &key.kstack,
		       &key.flags, XPU_SCRATCH_SAMPLE);
	count(&key);
	return 0;
}
