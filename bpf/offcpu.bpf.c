// SPDX-License-Identifier: GPL-2.0
/* Off-CPU time: when a target thread leaves the CPU (sched_switch, a BTF
 * tracepoint, so no tracefs), its stacks and state are kept in its task
 * local storage; when it comes back, the time it was away is added to
 * (thread, stacks, state) in the kernel. With --wakers, sched_waking records
 * who woke it. At the end, an iterator over all tasks counts the waits still
 * open and flushes pending sums. Only target processes (common.bpf.h).
 *
 * This runs at every context switch of every target thread, so the hot
 * path keeps per-thread state in task storage instead of hash maps, reads
 * task fields directly (BTF pointers) instead of through probe_read, reuses
 * the stacks of a thread that blocks again where it just blocked (walking a
 * kernel stack costs ~2 us), and adds repeated waits up before touching the
 * counts map (struct xpu_thread).
 *
 * Not every switch reaches this program (see unseen_return): a wait whose
 * end went unseen is closed at the thread's next switch out, or at its
 * exit, where its CPU time says it ended, and counted in
 * XPU_STAT_OFFCPU_UNSEEN; before, the next wait overwrote it.
 *
 * With record --trace-off-cpu, each wait that is counted is also sent, one
 * by one, through the `offcpu_events` ring buffer for the timeline. Off,
 * the branch is a constant and the verifier prunes it. */
#include "threads.bpf.h"

const volatile __u64 min_block_ns = 1000;          /* --min-block */
const volatile __u64 max_block_ns = ~0ULL;         /* --max-block */
const volatile bool want_wakers = false;           /* --wakers */
const volatile bool trace_waits = false;           /* --trace-off-cpu */
/* Tests only: on_switch sees no switch in, as happens to some of them
 * (unseen_return). Off, the verifier prunes the branch. */
const volatile bool drop_switch_ins = false;

/* Sized by user space: 8 MiB (~110k waits between two reads) when tracing,
 * one page otherwise. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} offcpu_events SEC(".maps");

__u64 stop_ns = 0;       /* set by user space before it runs an iterator */
__u32 window_epoch = 0;  /* advanced by user space at each window's end */

struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return t->__state;
	return ((struct task_struct___pre514 *)t)->state;
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

static __always_inline __u64 mix(__u64 h, __u64 v)
{
	h ^= v;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

/* Where a thread blocks, cheaply: the system call and its first argument
 * (the fd of a read or poll), the state, and the user stack's first three
 * frames with the stack pointer, walked as the full stack would be. Equal
 * signatures almost always mean equal stacks (two call sites of one
 * blocking function differ two frames up at the latest; in an interpreter,
 * the current Python frame and instruction are mixed in); the reuse limits
 * bound how long a rare exception can last. On a miss the walk goes on
 * from where the signature left it. */
static __always_inline __u64 block_signature(struct task_struct *task, struct xpu_scratch *s,
					     __u32 tgid, __u32 state)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 h = 0x4f4646;
	__u32 n;

	if (want_user && !(task->flags & PF_KTHREAD)) {
		walk_begin(s, regs->ip, regs->sp, regs->bp);
		walk_steps(s, tgid, 2);
	} else {
		walk_begin(s, 0, 0, 0);
	}
	n = s->ev.stack.nr;
	h = mix(h, regs->sp);
	h = mix(h, n);
	for (int i = 0; i < 3; i++)
		h = mix(h, i < n ? s->ev.stack.ip[i] : 0);
	if (want_user && !(task->flags & PF_KTHREAD)) {
		struct xpu_py_proc *py = bpf_map_lookup_elem(&py_procs, &tgid);

		if (py)
			h = mix(h, py_position(py));
	}
	h = mix(h, regs->orig_ax);
	h = mix(h, regs->di); /* first argument */
	return mix(h, state);
}

static __always_inline void take_stacks(void *ctx, struct task_struct *prev, struct xpu_thread *t,
					__u64 now)
{
	struct xpu_scratch *s = get_scratch(XPU_SCRATCH_SCHED);
	bool has_user = want_user && !(prev->flags & PF_KTHREAD);
	struct xpu_reuse_slot *r;
	__u64 sig;

	if (!s)
		return;
	sig = block_signature(prev, s, t->pid, t->state);
	r = &t->reuse[sig & (XPU_REUSE_SLOTS - 1)];
	if (r->sig == sig && r->uses < XPU_REUSE_MAX && now - r->ts < XPU_REUSE_NS) {
		r->uses++;
		t->ustack = r->ustack;
		t->kstack = r->kstack;
		t->flags = r->flags;
		return;
	}
	t->flags = 0;
	/* prev is the current task here: its stacks are the ones it blocked in. */
	t->ustack = has_user ? finish_user_stack(s, t->pid) : 0;
	t->kstack = want_kernel ? capture_stack(ctx, 0, KERNEL_SEED, s) : 0;
	note_stacks(t->ustack, has_user, t->kstack, want_kernel, &t->flags);
	/* A walk that met code without a table (not loaded yet, most likely:
	 * user space is reading the maps) is not worth repeating. */
	r->sig = s->degraded ? 0 : sig;
	r->ts = now;
	r->uses = 0;
	r->ustack = t->ustack;
	r->kstack = t->kstack;
	r->flags = t->flags;
}

/* The thread's storage if it belongs to a target process, with the
 * process's address space (`gen`) known; `t` is its storage if it has any. */
static __always_inline struct xpu_thread *target_thread(struct task_struct *task,
							struct xpu_thread *t)
{
	__u32 tgid = task->tgid;
	struct xpu_proc *proc;

	if (t && t->known)
		return t;
	if (task->pid == 0 || !is_target(tgid))
		return NULL;
	if (!t)
		t = bpf_task_storage_get(&threads, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t) {
		stat_inc(XPU_STAT_THREADS_FULL);
		return NULL;
	}
	proc = current_proc(tgid);
	t->pid = tgid;
	t->gen = proc ? proc->gen : 0;
	t->known = 1;
	return t;
}

static __always_inline bool same_key(const struct xpu_offcpu_key *a,
				     const struct xpu_offcpu_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	for (int i = 0; i < sizeof(*a) / 8; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

static __always_inline void wait_key(const struct xpu_thread *t, __u32 tid,
				     struct xpu_offcpu_key *key)
{
	key->pid = t->pid;
	key->tid = tid;
	key->ustack = t->ustack;
	key->kstack = t->kstack;
	key->gen = t->gen;
	key->flags = t->flags;
	key->state = t->state;
	__builtin_memcpy(key->comm, t->comm, sizeof(key->comm));
	if (want_wakers && t->has_waker) {
		key->flags |= XPU_KEY_WAKER;
		key->waker_pid = t->waker.pid;
		key->waker_gen = t->waker.gen;
		key->waker_ustack = t->waker.ustack;
		key->waker_kstack = t->waker.kstack;
		__builtin_memcpy(key->waker_comm, t->waker.comm, sizeof(key->waker_comm));
	}
}

/* User space reads the ring every 100 ms at most: waking it for each wait
 * would cost more than the wait's record. Only a ring half full wakes it
 * early (as the launch ring does). */
static __always_inline __u64 trace_wakeup(void)
{
	return bpf_ringbuf_query(&offcpu_events, BPF_RB_AVAIL_DATA) >
			       bpf_ringbuf_query(&offcpu_events, BPF_RB_RING_SIZE) / 2 ?
		       BPF_RB_FORCE_WAKEUP :
		       BPF_RB_NO_WAKEUP;
}

/* The whole wait, from when `t` left the CPU to `end`, for the timeline. A
 * full ring loses it from the timeline only: the counts still have it. */
static __always_inline void trace_wait(const struct xpu_thread *t, __u32 tid, __u64 end)
{
	struct xpu_offcpu_interval *e = bpf_ringbuf_reserve(&offcpu_events, sizeof(*e), 0);

	if (!e) {
		stat_inc(XPU_STAT_OFFCPU_TRACE_LOST);
		return;
	}
	e->pid = t->pid;
	e->tid = tid;
	e->start_ns = t->wait_start;
	e->dur_ns = end - t->wait_start;
	e->ustack = t->ustack;
	e->kstack = t->kstack;
	e->gen = t->gen;
	e->flags = t->flags;
	e->state = t->state;
	e->_pad = 0;
	__builtin_memcpy(e->comm, t->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, trace_wakeup());
}

/* Counts the rest of the wait of `t`, from `from` (where it began, or
 * where a window cut it) to `end`; false when its length leaves it out.
 * The caller owns the wait: it took off_ts from the thread atomically. */
static __always_inline bool close_wait(struct xpu_thread *t, __u32 tid, __u64 from, __u64 end)
{
	struct xpu_offcpu_key key = {}, old;
	__u64 length = end - t->wait_start, old_ns = 0, old_count = 0;

	if (length < min_block_ns || length > max_block_ns) {
		stat_inc(XPU_STAT_OFFCPU_FILTERED);
		return false;
	}
	if (trace_waits)
		trace_wait(t, tid, end);
	wait_key(t, tid, &key);
	stat_inc(XPU_STAT_SWITCHES);
	bpf_spin_lock(&t->pend_lock);
	if (t->pend_count && (t->pend_epoch != window_epoch || !same_key(&key, &t->pend_key))) {
		old = t->pend_key;
		old_ns = t->pend_ns;
		old_count = t->pend_count;
		t->pend_ns = 0;
		t->pend_count = 0;
	}
	if (!t->pend_count) {
		t->pend_key = key;
		t->pend_epoch = window_epoch;
	}
	t->pend_ns += end - from;
	t->pend_count++;
	bpf_spin_unlock(&t->pend_lock);
	if (old_count)
		add_waits(&old, old_ns, old_count);
	return true;
}

/* When a thread whose return to a CPU on_switch never saw came back. Not
 * every switch reaches the program: on the 6.18 VM kernel of our test
 * machines, no switch away from a thread of the VM's init (pid 1) ever
 * did (switches to them did), so a target woken onto a CPU that such a
 * thread held came back unseen (1 run in 60 of tests/fixtures/sleepers,
 * bench/offcpu_lost.sh); and the kernel skips a program that is already
 * running on the CPU (its recursion_misses). The thread's own switches
 * out are seen (it is current then, and a target), so since that unseen
 * return it has run without a break, for as long as its CPU time grew.
 * sum_exec_runtime is brought up to date before the switch is traced; the
 * estimate is off by the few microseconds the kernel charges around it. */
static __always_inline __u64 unseen_return(const struct xpu_thread *t, struct task_struct *task,
					   __u64 from, __u64 now)
{
	__u64 ran = task->se.sum_exec_runtime - t->off_runtime;

	return ran < now - from ? now - ran : from;
}

/* A thread leaving the CPU with its last wait still open: that wait's end
 * went unseen. It is counted up to where it ended instead of being
 * overwritten by the thread's next wait and lost. */
static __always_inline void end_unseen(struct xpu_thread *t, struct task_struct *task)
{
	__u64 from;

	if (!t->off_ts)
		return;
	from = __sync_lock_test_and_set(&t->off_ts, 0);
	if (!from)
		return;
	if (close_wait(t, task->pid, from, unseen_return(t, task, from, bpf_ktime_get_ns())))
		stat_inc(XPU_STAT_OFFCPU_UNSEEN);
}

/* A thread's last switch, after its exit hook (procs.bpf.c) flushed its
 * sums: a wait whose end went unseen, or one it began while exiting (after
 * that hook), is counted and flushed now, before its storage goes. */
static __always_inline void last_switch(struct task_struct *prev)
{
	struct xpu_thread *t = bpf_task_storage_get(&threads, prev, 0, 0);

	if (!t)
		return;
	end_unseen(t, prev);
	flush_pending(t);
}

static __always_inline void switch_out(void *ctx, bool preempt, struct task_struct *prev)
{
	struct xpu_thread *t;
	__u32 state = task_state(prev);
	__u64 now;

	if (state & 0x0080 /* TASK_DEAD: its last switch, it never comes back */) {
		last_switch(prev);
		return;
	}
	t = bpf_task_storage_get(&threads, prev, 0, 0);
	if (t) /* first: the wait's key holds the facts of when it began (exec) */
		end_unseen(t, prev);
	t = target_thread(prev, t);
	if (!t)
		return;
	now = bpf_ktime_get_ns();
	t->state = state_letter(preempt, state);
	t->has_waker = 0;
	__builtin_memcpy(t->comm, prev->comm, sizeof(t->comm));
	take_stacks(ctx, prev, t, now);
	t->off_runtime = prev->se.sum_exec_runtime;
	t->wait_start = now;
	t->off_ts = now;
}

static __always_inline void switch_in(struct task_struct *next)
{
	struct xpu_thread *t;
	__u64 from;

	if (drop_switch_ins)
		return;
	t = bpf_task_storage_get(&threads, next, 0, 0);
	if (!t || !t->off_ts)
		return;
	/* Taken atomically: a window's iterator may be counting it up to now. */
	from = __sync_lock_test_and_set(&t->off_ts, 0);
	if (from)
		close_wait(t, next->pid, from, bpf_ktime_get_ns());
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
	struct xpu_thread *t = bpf_task_storage_get(&threads, p, 0, 0);
	__u64 id = bpf_get_current_pid_tgid();
	struct user_start u;
	struct xpu_waker *w;
	struct xpu_proc *proc;

	if (!t || !t->off_ts) /* not a waiting target */
		return 0;
	w = &t->waker;
	w->pid = id >> 32;
	w->gen = 0;
	if (w->pid) {
		proc = current_proc(w->pid);
		w->gen = proc ? proc->gen : 0;
	}
	w->ustack = w->kstack = 0;
	w->flags = 0;
	bpf_get_current_comm(w->comm, sizeof(w->comm));
	capture_stacks(ctx, w->pid, user_start_of(bpf_get_current_task_btf(), &u) ? &u : NULL,
		       true, &w->ustack, &w->kstack, &w->flags, XPU_SCRATCH_SCHED);
	t->has_waker = 1;
	return 0;
}

/* Run once by user space after detaching: a thread still waiting when
 * recording stopped has waited until stop_ns; pending sums go to the map. */
SEC("iter/task")
int flush_open(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct xpu_thread *t;
	__u64 from;

	if (!task)
		return 0;
	t = bpf_task_storage_get(&threads, task, 0, 0);
	if (!t)
		return 0;
	from = t->off_ts;
	t->off_ts = 0;
	if (from && stop_ns > from) {
		if (!task->on_cpu)
			close_wait(t, task->pid, from, stop_ns);
		else if (close_wait(t, task->pid, from, unseen_return(t, task, from, stop_ns)))
			stat_inc(XPU_STAT_OFFCPU_UNSEEN);  /* running: its return went unseen */
	}
	flush_pending(t);
	return 0;
}

/* Run by user space at the end of each window of a live view, while the
 * programs stay attached: a thread waiting now has waited until stop_ns in
 * this window; the rest of its wait belongs to the next. The wait is
 * claimed with a compare-and-swap of off_ts, so a thread waking on another
 * CPU meanwhile counts each nanosecond once. The thread's pending sums are
 * taken under their lock and counted in this window too. */
SEC("iter/task")
int cut_window(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct xpu_offcpu_key key = {};
	struct xpu_thread *t;
	__u64 from;

	if (!task)
		return 0;
	t = bpf_task_storage_get(&threads, task, 0, 0);
	if (!t)
		return 0;
	flush_pending(t);
	from = t->off_ts;
	/* On a CPU with a wait open: its return went unseen (or it is leaving
	 * right now); its next switch out counts the wait where it ended. */
	if (!from || task->on_cpu || stop_ns <= from || stop_ns - t->wait_start < min_block_ns ||
	    stop_ns - t->wait_start > max_block_ns)
		return 0;
	wait_key(t, task->pid, &key);  /* stable: the thread is off the CPU */
	if (__sync_val_compare_and_swap(&t->off_ts, from, stop_ns) != from)
		return 0;  /* it woke up: its own switch counts the wait */
	add_waits(&key, stop_ns - from, 0);
	return 0;
}
