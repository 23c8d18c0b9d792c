// SPDX-License-Identifier: GPL-2.0
/* Off-CPU time: when a target thread leaves the CPU (sched_switch, a BTF
 * tracepoint, so no tracefs), its stacks and state are kept; when it comes
 * back, the time it was away is added to (thread, stacks, state) in the
 * kernel. With --wakers, sched_waking records who woke it. Only target
 * processes (common.bpf.h). */
#include "common.bpf.h"
#include "offcpu.h"

const volatile __u64 min_block_ns = 1000;          /* --min-block */
const volatile __u64 max_block_ns = ~0ULL;         /* --max-block */
const volatile bool want_wakers = false;           /* --wakers */

/* Switch-out and wake-up records live only while a thread is off-CPU;
 * preallocated so the hot path never allocates. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tid */
	__type(value, struct xpu_offcpu_start);
} offcpu_starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tid of the thread woken */
	__type(value, struct xpu_waker);
} wakers SEC(".maps");

/* max_entries and NO_PREALLOC are set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct xpu_offcpu_key);
	__type(value, struct xpu_offcpu_value);
} offcpu_counts SEC(".maps");

struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* The kernel's task state bits as ps(1) letters. */
static __always_inline __u32 state_letter(bool preempt, __u32 s)
{
	/* TASK_WAKING: a wake-up already under way on another CPU. */
	if (preempt || s == 0 /* TASK_RUNNING */ || (s & 0x0200))
		return XPU_STATE_RUNNABLE;
	if (s & 0x0001 /* TASK_INTERRUPTIBLE */)
		return XPU_STATE_SLEEPING;
	if (s & (0x0002 /* TASK_UNINTERRUPTIBLE */ | 0x1000 /* TASK_RTLOCK_WAIT */))
		return (s & 0x0400 /* TASK_NOLOAD */) ? XPU_STATE_IDLE : XPU_STATE_DISK;
	if (s & (0x0004 | 0x0008) /* __TASK_STOPPED, __TASK_TRACED */)
		return XPU_STATE_STOPPED;
	return XPU_STATE_OTHER;
}

static __always_inline void switch_out(void *ctx, bool preempt, struct task_struct *prev)
{
	__u32 tid = BPF_CORE_READ(prev, pid);
	__u32 tgid = BPF_CORE_READ(prev, tgid);
	struct xpu_offcpu_start st = {};
	struct user_start u;
	struct xpu_proc *proc;
	__u32 state;

	if (tid == 0 || !is_target(tgid))
		return;
	state = task_state(prev);
	if (state & 0x0080 /* TASK_DEAD: its last switch, it never comes back */)
		return;
	proc = current_proc(tgid);
	st.ts_ns = bpf_ktime_get_ns();
	st.pid = tgid;
	st.gen = proc ? proc->gen : 0;
	st.state = state_letter(preempt, state);
	bpf_get_current_comm(st.comm, sizeof(st.comm));
	/* prev is the current task here: its stacks are the ones it blocked in. */
	capture_stacks(ctx, user_start_of(prev, &u) ? &u : NULL, true, &st.ustack, &st.kstack,
		       &st.flags);
	if (bpf_map_update_elem(&offcpu_starts, &tid, &st, BPF_ANY))
		stat_inc(XPU_STAT_STARTS_FULL);
}

static __always_inline void add_interval(struct xpu_offcpu_key *key, __u64 ns)
{
	struct xpu_offcpu_value *v = bpf_map_lookup_elem(&offcpu_counts, key);
	struct xpu_offcpu_value init = { .ns = ns, .count = 1 };

	if (!v) {
		if (bpf_map_update_elem(&offcpu_counts, key, &init, BPF_NOEXIST) == 0)
			return;
		v = bpf_map_lookup_elem(&offcpu_counts, key); /* raced */
		if (!v) {
			stat_inc(XPU_STAT_OFFCPU_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->ns, ns);
	__sync_fetch_and_add(&v->count, 1);
}

static __always_inline void switch_in(struct task_struct *next)
{
	__u32 tid = BPF_CORE_READ(next, pid);
	struct xpu_offcpu_start *st = bpf_map_lookup_elem(&offcpu_starts, &tid);
	struct xpu_offcpu_key key = {};
	struct xpu_waker *w;
	__u64 delta;

	if (!st)
		return;
	delta = bpf_ktime_get_ns() - st->ts_ns;
	if (delta < min_block_ns || delta > max_block_ns) {
		stat_inc(XPU_STAT_OFFCPU_FILTERED);
		goto done;
	}
	key.pid = st->pid;
	key.tid = tid;
	key.ustack = st->ustack;
	key.kstack = st->kstack;
	key.gen = st->gen;
	key.flags = st->flags;
	key.state = st->state;
	__builtin_memcpy(key.comm, st->comm, sizeof(key.comm));
	if (want_wakers) {
		w = bpf_map_lookup_elem(&wakers, &tid);
		if (w) {
			key.flags |= XPU_KEY_WAKER;
			key.waker_pid = w->pid;
			key.waker_gen = w->gen;
			key.waker_ustack = w->ustack;
			key.waker_kstack = w->kstack;
			__builtin_memcpy(key.waker_comm, w->comm, sizeof(key.waker_comm));
		}
	}
	stat_inc(XPU_STAT_SWITCHES);
	add_interval(&key, delta);
done:
	bpf_map_delete_elem(&offcpu_starts, &tid);
	if (want_wakers)
		bpf_map_delete_elem(&wakers, &tid);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	switch_out(ctx, preempt, prev);
	switch_in(next);
	return 0;
}

/* sched_waking runs in the waker's context (sched_wakeup may run on the
 * wakee's CPU, in whatever task is there), so current is the waker. */
SEC("tp_btf/sched_waking")
int BPF_PROG(on_waking, struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid);
	__u64 id = bpf_get_current_pid_tgid();
	struct xpu_waker w = {};
	struct user_start u;
	struct xpu_proc *proc;

	if (!bpf_map_lookup_elem(&offcpu_starts, &tid)) /* not a blocked target */
		return 0;
	w.pid = id >> 32;
	if (w.pid) {
		proc = current_proc(w.pid);
		w.gen = proc ? proc->gen : 0;
	}
	bpf_get_current_comm(w.comm, sizeof(w.comm));
	capture_stacks(ctx, user_start_of(bpf_get_current_task_btf(), &u) ? &u : NULL, true,
		       &w.ustack, &w.kstack, &w.flags);
	bpf_map_update_elem(&wakers, &tid, &w, BPF_ANY);
	return 0;
}
