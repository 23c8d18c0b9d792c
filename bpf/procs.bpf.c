// SPDX-License-Identifier: GPL-2.0
/* Process tracking for every source: the target set follows forks (in the
 * kernel, at sched_process_fork, before the child can run), exec gives a new
 * address-space id, and user space hears about each (ring buffer) so it can
 * read the maps while the process lives. */
#include "threads.bpf.h"

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
	struct xpu_thread *t;
	struct xpu_proc *proc;

	if (!is_target(tgid))
		return 0;
	proc = new_proc(tgid);
	if (!proc)
		return 0;
	t = bpf_task_storage_get(&threads, p, 0, 0);
	if (t)
		t->known = 0; /* a new address space: look it up again */
	/* The old image's mappings no longer apply; until user space describes
	 * the new ones, frame pointers walk. */
	bpf_map_delete_elem(&unwind_procs, &tgid);
	/* The new image and its interpreter are mapped by now: user space reads
	 * the maps at once, and again at the first stack (libraries). */
	emit(XPU_EV_EXEC, tgid, proc->gen, 0, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	struct xpu_thread *t = bpf_task_storage_get(&threads, p, 0, 0);

	/* The thread's storage goes with it: its summed waits must not. */
	if (t)
		flush_pending(t);
	/* Fires per thread; the process is gone when its last thread is. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0 || !is_target(tgid))
		return 0;
	emit(XPU_EV_EXIT, tgid, 0, 0, 0);
	bpf_map_delete_elem(&procs, &tgid);
	if (filter_pids)
		bpf_map_delete_elem(&targets, &tgid);
	return 0;
}
