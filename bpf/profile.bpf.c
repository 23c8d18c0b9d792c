// SPDX-License-Identifier: GPL-2.0
/* On-CPU stack sampling: a perf_event program (cpu-clock or cycles, one event
 * per CPU) counts (process, thread, user stack, kernel stack) in the kernel;
 * user space reads the counts once, at the end. Only target processes are
 * counted: pids user space puts in `targets`, and every process they fork
 * (followed here, at sched_process_fork, before the child can run). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "profile.h"

#define PF_KTHREAD 0x00200000
#define EEXIST 17

const volatile bool filter_pids = true;   /* false: -a, every process */
const volatile bool want_user = true;     /* false: -K */
const volatile bool want_kernel = true;   /* false: -U */

__u64 stats[XPU_STAT_MAX] = {};
__u32 next_gen = 0; /* address-space ids; see struct xpu_proc */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);  /* tgid */
	__type(value, __u8);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);  /* tgid */
	__type(value, struct xpu_proc);
} procs SEC(".maps");

/* max_entries and NO_PREALLOC are set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct xpu_sample_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u64);
	__type(value, struct xpu_stack);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xpu_stack);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

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
	e->_pad = 0;
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

static __always_inline __u64 hash_stack(const struct xpu_stack *s, __u64 seed)
{
	__u64 h = seed ^ ((__u64)s->nr * 0x9e3779b97f4a7c15ULL);

	for (int i = 0; i < XPU_MAX_STACK_DEPTH; i++) {
		if (i >= s->nr)
			break;
		h ^= s->ip[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 33;
	}
	return h ? h : 1; /* 0 means "no stack" in the key */
}

/* Captures one stack into `stacks`; returns its hash, 0 on failure. */
static __always_inline __u64 capture_stack(void *ctx, __u64 flags, __u64 seed)
{
	__u32 zero = 0;
	struct xpu_stack *s = bpf_map_lookup_elem(&scratch, &zero);
	long n, err;
	__u64 h;

	if (!s)
		return 0;
	n = bpf_get_stack(ctx, s->ip, sizeof(s->ip), flags);
	if (n <= 0)
		return 0;
	s->nr = n / sizeof(__u64);
	h = hash_stack(s, seed);
	if (bpf_map_lookup_elem(&stacks, &h))
		return h;
	err = bpf_map_update_elem(&stacks, &h, s, BPF_NOEXIST);
	if (err && err != -EEXIST) { /* -E2BIG full, -ENOMEM */
		stat_inc(XPU_STAT_STACKS_FULL);
		return 0;
	}
	return h;
}

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
	struct task_struct *task;
	struct xpu_proc *proc;

	if (tgid == 0 || !is_target(tgid)) /* idle, or not ours */
		return 0;
	stat_inc(XPU_STAT_SAMPLES);

	proc = bpf_map_lookup_elem(&procs, &tgid);
	if (!proc)
		proc = new_proc(tgid);
	if (proc && !proc->announced) {
		proc->announced = 1;
		emit(XPU_EV_NEW_PROC, tgid, proc->gen, 0, 0);
	}

	key.pid = tgid;
	key.tid = (__u32)id;
	key.gen = proc ? proc->gen : 0;
	bpf_get_current_comm(key.comm, sizeof(key.comm));

	task = (struct task_struct *)bpf_get_current_task();
	if (want_user && !(BPF_CORE_READ(task, flags) & PF_KTHREAD)) {
		key.ustack = capture_stack(ctx, BPF_F_USER_STACK, 0x75);
		if (!key.ustack) {
			key.flags |= XPU_SAMPLE_USTACK_ERR;
			stat_inc(XPU_STAT_USTACK_ERR);
		}
	}
	if (want_kernel) {
		key.kstack = capture_stack(ctx, 0, 0x6b);
		/* A sample in user mode has no kernel stack: not an error. The
		 * verifier only accepts 8-byte loads of regs.cs; volatile keeps
		 * clang from narrowing it to 2 bytes. */
		if (!key.kstack && !(*(volatile __u64 *)&ctx->regs.cs & 3)) {
			key.flags |= XPU_SAMPLE_KSTACK_ERR;
			stat_inc(XPU_STAT_KSTACK_ERR);
		}
	}
	count(&key);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	struct xpu_proc *pproc, *cproc;
	__u8 one = 1;

	if (ctgid == ptgid || !is_target(ptgid)) /* a new thread, or not ours */
		return 0;
	if (filter_pids && bpf_map_update_elem(&targets, &ctgid, &one, BPF_ANY))
		stat_inc(XPU_STAT_PROCS_FULL);
	pproc = bpf_map_lookup_elem(&procs, &ptgid);
	if (!pproc)
		pproc = new_proc(ptgid);
	cproc = new_proc(ctgid);
	if (pproc && cproc)
		emit(XPU_EV_FORK, ctgid, cproc->gen, ptgid, pproc->gen);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	struct xpu_proc *proc;

	if (!is_target(tgid))
		return 0;
	proc = new_proc(tgid);
	if (!proc)
		return 0;
	/* The new image and its interpreter are mapped by now: user space reads
	 * the maps at once, and again at the first sample (libraries). */
	emit(XPU_EV_EXEC, tgid, proc->gen, 0, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	/* Fires per thread; the process is gone when its last thread is. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0 || !is_target(tgid))
		return 0;
	emit(XPU_EV_EXIT, tgid, 0, 0, 0);
	bpf_map_delete_elem(&procs, &tgid);
	if (filter_pids)
		bpf_map_delete_elem(&targets, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
