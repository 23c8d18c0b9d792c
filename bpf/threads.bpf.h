/* Per-thread state in task local storage and the off-CPU counts it feeds,
 * shared by offcpu.bpf.c (waits) and procs.bpf.c (which clears cached facts
 * at exec and flushes a thread's pending waits when it exits).
 *
 * Task storage, not a hash map by tid: on_switch runs in tracing context,
 * where the kernel's lookup (bpf_task_storage_get_recur since 6.2) finds
 * existing storage even while another task holds the per-CPU storage lock;
 * only creating it can fail then, which is counted (XPU_STAT_THREADS_FULL,
 * shown as lost). Waits were lost for another reason: switches the kernel
 * never reports to the program (offcpu.bpf.c, unseen_return). */
#ifndef XPU_THREADS_BPF_H
#define XPU_THREADS_BPF_H

#include "common.bpf.h"
#include "offcpu.h"

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct xpu_thread);
} threads SEC(".maps") __weak;

/* max_entries and NO_PREALLOC are set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct xpu_offcpu_key);
	__type(value, struct xpu_offcpu_value);
} offcpu_counts SEC(".maps") __weak;

static __always_inline void add_waits(struct xpu_offcpu_key *key, __u64 ns, __u64 count)
{
	struct xpu_offcpu_value *v = bpf_map_lookup_elem(&offcpu_counts, key);
	struct xpu_offcpu_value init = { .ns = ns, .count = count };

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
	__sync_fetch_and_add(&v->count, count);
}

/* Takes the thread's pending sum, if any, under its lock; the caller adds
 * it to the map after unlocking (no helper may run while the lock is held). */
static __always_inline bool take_pending(struct xpu_thread *t, struct xpu_offcpu_key *key,
					 __u64 *ns, __u64 *count)
{
	bool some;

	bpf_spin_lock(&t->pend_lock);
	some = t->pend_count != 0;
	if (some) {
		*key = t->pend_key;
		*ns = t->pend_ns;
		*count = t->pend_count;
		t->pend_ns = 0;
		t->pend_count = 0;
	}
	bpf_spin_unlock(&t->pend_lock);
	return some;
}

static __always_inline void flush_pending(struct xpu_thread *t)
{
	struct xpu_offcpu_key key;
	__u64 ns, count;

	if (take_pending(t, &key, &ns, &count))
		add_waits(&key, ns, count);
}

#endif /* XPU_THREADS_BPF_H */
