// SPDX-License-Identifier: GPL-2.0
/* GPU launch stacks. The CUPTI injector calls xpu_perf_launch_hook(corr,
 * cbid, domain) at the exit of every outermost launch-class CUDA call; a
 * uprobe here takes the calling thread's user stack there and sends it with
 * the correlation id through its own ring buffer, so that user space can hang
 * the GPU work of that launch under it. Without the injector (a process
 * attached with -p), uprobes on the CUDA libraries' launch entry points take
 * the same record without an id: stacks and counts, no GPU time. */
#include "common.bpf.h"
#include "cuda_launch.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024); /* 64k launches between two reads */
} launches SEC(".maps");

/* User space reads the ring every 100 ms anyway: waking it for each of up
 * to 100k launches a second would cost more than the launches. Only a ring
 * filling up wakes it early. */
static __always_inline __u64 wakeup_flags(void)
{
	return bpf_ringbuf_query(&launches, BPF_RB_AVAIL_DATA) > 2 * 1024 * 1024 ?
		       BPF_RB_FORCE_WAKEUP :
		       BPF_RB_NO_WAKEUP;
}

/* At a function's first instruction the return address is at [sp],
 * whatever the unwind tables say. Taking that first step here keeps the
 * launching function even when the hook's library has no table loaded yet
 * (a frame-pointer walk from an entry skips the caller: rbp is still the
 * caller's). */
static __always_inline void walk_begin_at_entry(struct xpu_scratch *s, struct pt_regs *ctx)
{
	__u64 sp = PT_REGS_SP(ctx), ra = 0;

	walk_begin(s, PT_REGS_IP(ctx), sp, PT_REGS_FP(ctx));
	if (s->ended || bpf_probe_read_user(&ra, sizeof(ra), (void *)sp) || !ra)
		return;
	s->ev.stack.ip[1] = ra;
	s->ev.stack.nr = 2;
	s->pc = ra;
	s->sp = sp + 8;
	s->exact = 0;
}

static __always_inline int take_launch(struct pt_regs *ctx, __u32 origin, __u32 corr, __u32 cbid,
				       __u32 domain)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct xpu_launch_event *e;
	struct xpu_proc *proc;
	struct xpu_scratch *s;

	if (!is_target(tgid))
		return 0;
	stat_inc(XPU_STAT_LAUNCHES);
	proc = current_proc(tgid);
	e = bpf_ringbuf_reserve(&launches, sizeof(*e), 0);
	if (!e) {
		stat_inc(XPU_STAT_LAUNCHES_LOST);
		return 0;
	}
	e->pid = tgid;
	e->tid = (__u32)id;
	e->gen = proc ? proc->gen : 0;
	e->flags = 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->ustack = 0;
	e->corr = corr;
	e->cbid = cbid;
	e->domain = domain;
	e->origin = origin;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* A uprobe fires in user mode: the registers are the user's, at the
	 * hook's first instruction. */
	if (want_user) {
		s = get_task_scratch();
		if (s && walk_user_stacks) {
			walk_begin_at_entry(s, ctx);
			e->ustack = finish_user_stack(s, tgid);
		} else if (s) {
			e->ustack = capture_stack(ctx, BPF_F_USER_STACK, USER_SEED, s);
		}
		note_stacks(e->ustack, true, 0, false, &e->flags);
	}
	bpf_ringbuf_submit(e, wakeup_flags());
	return 0;
}

/* BPF_KPROBE: this libbpf has no BPF_UPROBE; a uprobe's context is the same
 * pt_regs. */
SEC("uprobe")
int BPF_KPROBE(on_launch_hook, __u32 corr, __u32 cbid, __u32 domain)
{
	return take_launch(ctx, XPU_LAUNCH_HOOK, corr, cbid, domain);
}

/* The attach cookie says which entry point fired (an index user space
 * keeps). */
SEC("uprobe")
int BPF_KPROBE(on_launch_entry)
{
	return take_launch(ctx, XPU_LAUNCH_API_ENTRY, 0, (__u32)bpf_get_attach_cookie(ctx), 0);
}
