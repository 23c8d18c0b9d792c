/* Per-thread state in task local storage and the off-CPU counts it feeds,
 * shared by offcpu.bpf.c (waits) and procs.bpf.c (which clears cached facts
 * at exec and flushes a thread's pending waits when it exits). */
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

static __always_inline void flush_pending(struct xpu_thread *t)
{
	if (t->pend_count) {
		add_waits(&t->pend_key, t->pend_ns, t->pend_count);
		t->pend_ns = 0;
		t->pend_count = 0;
	}
}

#endif /* XPU_THREADS_BPF_H */
