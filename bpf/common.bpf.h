/* What every program in bpf/ shares: the target filter, the process table,
 * the stack store, the event ring and the counters. Each .bpf.c includes
 * this; the maps and globals are __weak so that linking the objects into one
 * (bpftool gen object) leaves one instance of each. */
#ifndef XPU_COMMON_BPF_H
#define XPU_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "common.h"

#define PF_KTHREAD 0x00200000
#define EEXIST 17

const volatile bool filter_pids __weak = true;  /* false: -a, every process */
const volatile bool want_user __weak = true;    /* false: -K */
const volatile bool want_kernel __weak = true;  /* false: -U */

__u64 stats[XPU_STAT_MAX] __weak = {};
__u32 next_gen __weak = 0; /* address-space ids; see struct xpu_proc */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);  /* tgid */
	__type(value, __u8);
} targets SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);  /* tgid */
	__type(value, struct xpu_proc);
} procs SEC(".maps") __weak;

/* max_entries and NO_PREALLOC are set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u64);
	__type(value, struct xpu_stack);
} stacks SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps") __weak;

#include "unwind.bpf.h" /* after `events`, which it reports through */

/* User stacks are walked by bpf/unwind.bpf.h (bpf_loop, kernel >= 5.17)
 * rather than with bpf_get_stack(BPF_F_USER_STACK): that helper costs ~1 us
 * more per stack here and knows only frame pointers. User space turns the
 * walker off where bpf_loop is missing. */
const volatile bool walk_user_stacks __weak = true;

char LICENSE[] SEC("license") __weak = "GPL";

static __always_inline void stat_inc(enum xpu_stat s)
{
	if (s < XPU_STAT_MAX)
		__sync_fetch_and_add(&stats[s], 1);
}

static __always_inline bool is_target(__u32 tgid)
{
	return !filter_pids || bpf_map_lookup_elem(&targets, &tgid);
}

static __always_inline void emit(__u32 type, __u32 pid, __u32 gen, __u32 ppid, __u32 parent_gen)
{
	struct xpu_proc_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		stat_inc(XPU_STAT_EVENTS_LOST);
		return;
	}
	e->type = type;
	e->pid = pid;
	e->gen = gen;
	e->ppid = ppid;
	e->parent_gen = parent_gen;
	e->bin = 0;
	e->ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

/* A fresh address-space id for tgid; NULL when `procs` is full. */
static __always_inline struct xpu_proc *new_proc(__u32 tgid)
{
	struct xpu_proc p = { .gen = __sync_fetch_and_add(&next_gen, 1), .announced = 0 };

	if (bpf_map_update_elem(&procs, &tgid, &p, BPF_ANY)) {
		stat_inc(XPU_STAT_PROCS_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&procs, &tgid);
}

/* The process's current address space, announced to user space (which reads
 * its maps) the first time a stack of it is taken. */
static __always_inline struct xpu_proc *current_proc(__u32 tgid)
{
	struct xpu_proc *proc = bpf_map_lookup_elem(&procs, &tgid);

	if (!proc)
		proc = new_proc(tgid);
	if (proc && !proc->announced) {
		proc->announced = 1;
		emit(XPU_EV_NEW_PROC, tgid, proc->gen, 0, 0);
	}
	return proc;
}

struct hash_ctx { /* bpf_loop's context must be on the stack */
	const struct xpu_stack *s;
	__u64 h;
};

static long hash_step(__u32 i, void *ctx)
{
	struct hash_ctx *c = ctx;

	if (i >= XPU_MAX_STACK_DEPTH)
		return 1;
	c->h ^= c->s->ip[i];
	c->h *= 0xff51afd7ed558ccdULL;
	c->h ^= c->h >> 33;
	return 0;
}

/* A bpf_loop, not a bounded loop: the verifier would walk all
 * XPU_MAX_STACK_DEPTH iterations of one in every program that stores a
 * stack (~80 ms more load time at 255). */
static __always_inline __u64 hash_stack(const struct xpu_stack *s, __u64 seed)
{
	struct hash_ctx c = { .s = s, .h = seed ^ ((__u64)s->nr * 0x9e3779b97f4a7c15ULL) };
	__u32 n = s->nr < XPU_MAX_STACK_DEPTH ? s->nr : XPU_MAX_STACK_DEPTH;

	bpf_loop(n, hash_step, &c, 0);
	return c.h ? c.h : 1; /* 0 means "no stack" in the keys */
}

/* Stores the stack in s->ev into `stacks` (or, when the map cannot take it,
 * the ring buffer); returns its hash, 0 when it is lost. */
static __always_inline __u64 store_stack(struct xpu_scratch *s, __u64 seed)
{
	struct xpu_stack_event *ev = &s->ev;
	__u64 h = hash_stack(&ev->stack, seed);
	long err;

	if (bpf_map_lookup_elem(&stacks, &h))
		return h;
	err = bpf_map_update_elem(&stacks, &h, &ev->stack, BPF_NOEXIST);
	if (!err || err == -EEXIST)
		return h;
	/* -ENOMEM (allocator cache empty) or -E2BIG (map full). */
	ev->type = XPU_EV_STACK;
	ev->_pad = 0;
	ev->hash = h;
	if (bpf_ringbuf_output(&events, ev, sizeof(*ev), 0)) {
		stat_inc(XPU_STAT_STACKS_LOST);
		return 0;
	}
	stat_inc(XPU_STAT_STACKS_SENT);
	return h;
}

/* The scratch space of a context that runs with interrupts off or in one
 * (enum xpu_scratch_slot). */
static __always_inline struct xpu_scratch *get_scratch(__u32 slot)
{
	return bpf_map_lookup_elem(&scratch, &slot);
}

/* The current thread's own scratch space, for programs that may be
 * preempted (uprobes). */
static __always_inline struct xpu_scratch *get_task_scratch(void)
{
	return bpf_task_storage_get(&task_scratch, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/* The kernel stack (flags 0) or, with BPF_F_USER_STACK where the walker is
 * off, the user stack of the current task, through bpf_get_stack, in `s`. */
static __always_inline __u64 capture_stack(void *ctx, __u64 flags, __u64 seed, struct xpu_scratch *s)
{
	long n;

	if (!s)
		return 0;
	n = bpf_get_stack(ctx, s->ev.stack.ip, sizeof(s->ev.stack.ip), flags);
	if (n <= 0)
		return 0;
	s->ev.stack.nr = n / sizeof(__u64);
	return store_stack(s, seed);
}

#define USER_SEED 0x75
#define KERNEL_SEED 0x6b

/* Where a task's user stack starts: its user registers. */
struct user_start {
	__u64 ip;
	__u64 sp;
	__u64 bp;
};

/* The user registers a task saved at its entry into the kernel. False for
 * a kernel thread, which has no user stack. */
static __always_inline bool user_start_of(struct task_struct *task, struct user_start *u)
{
	struct pt_regs *regs;

	if (task->flags & PF_KTHREAD)
		return false;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	u->ip = regs->ip;
	u->sp = regs->sp;
	u->bp = regs->bp;
	return true;
}

/* Finishes the user-stack walk begun in the scratch space (walk_begin) and
 * stores the stack; 0 when there is none. */
static __always_inline __u64 finish_user_stack(struct xpu_scratch *s, __u32 tgid)
{
	walk_steps(s, tgid, XPU_MAX_STACK_DEPTH);
	return s->ev.stack.nr ? store_stack(s, USER_SEED) : 0;
}

static __always_inline void note_stacks(__u64 ustack, bool want_u, __u64 kstack, bool want_k,
					__u32 *flags)
{
	if (want_u && !ustack) {
		*flags |= XPU_KEY_USTACK_ERR;
		stat_inc(XPU_STAT_USTACK_ERR);
	}
	if (want_k && !kstack) {
		*flags |= XPU_KEY_KSTACK_ERR;
		stat_inc(XPU_STAT_KSTACK_ERR);
	}
}

/* Both stacks of the current task (process `tgid`), as the options ask;
 * flags report the ones that could not be taken. `u` is where its user
 * stack starts (NULL for a kernel thread); a task interrupted in user mode
 * has no kernel stack, which is no error: callers say whether one is due. */
static __always_inline void capture_stacks(void *ctx, __u32 tgid, const struct user_start *u,
					   bool in_kernel, __u64 *ustack, __u64 *kstack,
					   __u32 *flags, __u32 slot)
{
	struct xpu_scratch *s = get_scratch(slot);

	if (want_user && u) {
		if (walk_user_stacks) {
			if (s) {
				walk_begin(s, u->ip, u->sp, u->bp);
				*ustack = finish_user_stack(s, tgid);
			}
		} else {
			*ustack = capture_stack(ctx, BPF_F_USER_STACK, USER_SEED, s);
		}
	}
	if (want_kernel)
		*kstack = capture_stack(ctx, 0, KERNEL_SEED, s);
	note_stacks(*ustack, want_user && u, *kstack, want_kernel && in_kernel, flags);
}

#endif /* XPU_COMMON_BPF_H */
