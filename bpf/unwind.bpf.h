/* The user-stack unwinder every source shares: frame pointers, or the
 * binaries' own .eh_frame rules loaded into maps by user space
 * (lib/kernel/unwind_loader.cpp), per frame. --call-graph picks: fp (frame pointers
 * only), dwarf (tables only; a frame without one ends the stack, marked) or
 * auto (tables where loaded, frame pointers elsewhere).
 *
 * A walk runs in steps (bpf_loop), its state in the per-CPU scratch value:
 * kept on the BPF stack, the verifier cannot prove the loop converges. */
#ifndef XPU_UNWIND_BPF_H
#define XPU_UNWIND_BPF_H

#include "unwind.h"
#include "python.h"

const volatile __u32 unwind_mode __weak = XPU_UNWIND_AUTO; /* enum xpu_unwind_mode */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XPU_UNWIND_RULES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xpu_unwind_rule);
} unwind_rules SEC(".maps") __weak;

/* Sized by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xpu_unwind_row);
} unwind_rows SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XPU_UNWIND_BINS);
	__type(key, __u32);
	__type(value, struct xpu_unwind_bin);
} unwind_bins SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32); /* tgid */
	__type(value, struct xpu_unwind_proc);
} unwind_procs SEC(".maps") __weak;

/* Per-CPU working space for taking a stack: the event that may be sent, and
 * the unwinder's registers. */
struct xpu_scratch {
	struct xpu_stack_event ev;
	__u64 pc;
	__u64 sp;
	__u64 bp;
	__u32 exact;    /* pc is the interrupted instruction, not a return address */
	__u32 ended;    /* the walk is over */
	__u32 degraded; /* a frame had no table: frame pointers guessed, or cut */
	__u32 epoch;    /* now >> 30, read once per walk when a table is used; 0: not yet */
	/* Binary-search bounds, for the searches' bpf_loop callbacks. Kept
	 * here, not in locals: as plain bounded loops over locals the verifier
	 * explored every path through the searches (~700k instructions for one
	 * program, 3 s to load). */
	__u32 lo;
	__u32 hi;
	__u32 map_hint; /* the mapping find_mapping() found last (an index) */
	__u32 _pad;
	/* The Python walk (bpf/python.bpf.h): the next Python frame, where
	 * the walk stands (PY_*), and whether the current pc was checked. */
	__u64 py_frame;
	__u32 py_state;
	__u32 py_checked;
	/* Its counts (XPU_PY_STAT_*), added to py_stats when walk_steps
	 * returns; the last code object it validated, with its fingerprint (a
	 * recursion's frames share one); and the block of a frame or code
	 * object read in one go. */
	__u32 py_counts[XPU_PY_STAT_MAX];
	__u64 py_code;
	__u64 py_code_fp;
	__u8 py_buf[XPU_PY_SPAN_MAX];
};

/* One scratch space per CPU for each context that can interrupt another
 * mid-walk: a sample (hrtimer interrupt, or NMI with a PMU) can fire while
 * a scheduler tracepoint or a uprobe is walking on the same CPU, and must
 * not write over its stack. Uprobes run preemptible, so another thread's
 * uprobe could take over their CPU: theirs is per thread (task_scratch). */
enum xpu_scratch_slot {
	XPU_SCRATCH_SAMPLE = 0, /* perf_event programs */
	XPU_SCRATCH_SCHED = 1,  /* sched_switch / sched_wakeup: interrupts off */
	XPU_SCRATCH_SLOTS,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XPU_SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, struct xpu_scratch);
} scratch SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct xpu_scratch);
} task_scratch SEC(".maps") __weak;

struct unwind_ctx { /* bpf_loop's context must be on the stack */
	struct xpu_scratch *s;
	struct xpu_unwind_proc *proc; /* NULL: no tables for this process */
	struct xpu_py_proc *py;       /* NULL: no Python interpreter mapped */
};

/* Ends the walk; with a reason, the stack's last entry says why (or that
 * the root was reached). */
static __always_inline long end_walk(struct xpu_scratch *s, __u32 reason)
{
	__u32 n = s->ev.stack.nr;

	s->ended = 1;
	if (reason && n < XPU_MAX_STACK_DEPTH) {
		s->ev.stack.ip[n] = XPU_TRUNC_BASE + reason;
		s->ev.stack.nr = n + 1;
	}
	return 1;
}

/* Moves to the caller and records its pc (a return address). */
static __always_inline long push_caller(struct xpu_scratch *s, __u64 cfa, __u64 ra, __u64 bp)
{
	__u32 n = s->ev.stack.nr;

	if (ra == 0)
		return end_walk(s, 0); /* the outermost frame */
	if (cfa <= s->sp || cfa - s->sp > (8 << 20))
		return end_walk(s, XPU_TRUNC_BAD_CFA);
	if (n >= XPU_MAX_STACK_DEPTH - 1)
		return end_walk(s, XPU_TRUNC_DEPTH);
	s->ev.stack.ip[n] = ra;
	s->ev.stack.nr = n + 1;
	s->pc = ra;
	s->sp = cfa;
	s->bp = bp;
	s->exact = 0;
	s->py_checked = 0;
	return 0;
}

/* A frame-pointer step: the frame at bp holds {caller's bp, return
 * address}, and the caller's stack starts above it. */
static __always_inline long fp_step(struct xpu_scratch *s)
{
	__u64 frame[2];

	if (!s->bp || (s->bp & 7) || s->bp < s->sp)
		return end_walk(s, 0); /* no frame pointer chain left */
	if (bpf_probe_read_user(frame, sizeof(frame), (void *)s->bp))
		return end_walk(s, XPU_TRUNC_READ);
	/* The CFA check in push_caller also stops a chain that loops. */
	return push_caller(s, s->bp + 16, frame[1], frame[0]);
}

struct search_ctx { /* bpf_loop's context must be on the stack */
	struct xpu_scratch *s;
	const void *table; /* struct xpu_unwind_proc or struct xpu_unwind_bin */
	__u64 key;
};

static long mapping_search_step(__u32 i, void *ctx)
{
	struct search_ctx *c = ctx;
	struct xpu_scratch *s = c->s;
	const struct xpu_unwind_proc *p = c->table;
	__u32 mid;

	if (s->lo >= s->hi)
		return 1;
	mid = (s->lo + s->hi) / 2;
	if (c->key < p->m[mid & (XPU_UNWIND_MAPPINGS - 1)].start)
		s->hi = mid;
	else
		s->lo = mid + 1;
	return 0;
}

/* The mapping of `pc`: the one the last search found, when it holds pc
 * (consecutive frames, and consecutive samples, are mostly in the same
 * binary), else a binary search. The hint is only an index, checked
 * against the mapping it names, so one left by another walk or process is
 * harmless. */
static __always_inline struct xpu_unwind_mapping *find_mapping(struct xpu_scratch *s,
							       struct xpu_unwind_proc *p, __u64 pc)
{
	struct search_ctx c = { .s = s, .table = p, .key = pc };
	__u32 i = s->map_hint & (XPU_UNWIND_MAPPINGS - 1);

	if (i < p->count && p->m[i].start <= pc && pc < p->m[i].end)
		return &p->m[i];
	s->lo = 0;
	s->hi = p->count < XPU_UNWIND_MAPPINGS ? p->count : XPU_UNWIND_MAPPINGS;
	bpf_loop(10, mapping_search_step, &c, 0); /* 2^10 > XPU_UNWIND_MAPPINGS */
	if (s->lo == 0)
		return NULL;
	i = (s->lo - 1) & (XPU_UNWIND_MAPPINGS - 1);
	if (pc >= p->m[i].end)
		return NULL;
	s->map_hint = i;
	return &p->m[i];
}

static long row_search_step(__u32 i, void *ctx)
{
	struct search_ctx *c = ctx;
	struct xpu_scratch *s = c->s;
	const struct xpu_unwind_bin *b = c->table;
	struct xpu_unwind_row *row;
	__u32 mid, idx;

	if (s->lo >= s->hi)
		return 1;
	mid = (s->lo + s->hi) / 2;
	idx = b->row_base + mid;
	row = bpf_map_lookup_elem(&unwind_rows, &idx);
	if (!row) {
		s->lo = 0; /* not found */
		return 1;
	}
	if (c->key < row->pc)
		s->hi = mid;
	else
		s->lo = mid + 1;
	return 0;
}

/* The rule for ELF address `rel` in a binary's rows: the last row at or
 * below it, searched for among the few rows of rel's page in the binary's
 * index (struct xpu_unwind_page; lib/kernel/unwind_index.cpp's find_row()
 * is the same lookup in user space). */
static __always_inline struct xpu_unwind_rule *find_rule(struct xpu_scratch *s,
							 const struct xpu_unwind_bin *b, __u64 rel)
{
	struct search_ctx c = { .s = s, .table = b, .key = rel };
	struct xpu_unwind_page *pg;
	struct xpu_unwind_row *row;
	__u64 page;
	__u32 idx, first;

	if (rel < b->page_base)
		return NULL;
	page = (rel - b->page_base) >> (b->page_shift & 31);
	if (page >= b->page_count) {
		s->lo = b->row_count; /* past the last page: the last row */
		first = 0;
	} else {
		idx = b->row_base + b->row_count + (__u32)page;
		pg = (struct xpu_unwind_page *)bpf_map_lookup_elem(&unwind_rows, &idx);
		if (!pg)
			return NULL;
		first = pg->first;
		if (pg->count == 1) { /* one row covers the whole page */
			idx = pg->rule;
			return bpf_map_lookup_elem(&unwind_rules, &idx);
		}
		s->lo = first;
		s->hi = first + pg->count;
		/* The page's rows: usually a handful; 2^16 bounds any count. */
		bpf_loop(17, row_search_step, &c, 0);
	}
	if (s->lo <= first) /* below the first row, or not found */
		return NULL;
	idx = b->row_base + s->lo - 1;
	row = bpf_map_lookup_elem(&unwind_rows, &idx);
	if (!row)
		return NULL;
	idx = row->rule;
	return bpf_map_lookup_elem(&unwind_rules, &idx);
}

/* Asks user space, at most every 20 ms per process, to read the maps again:
 * a library mapped after they were last read (ld.so, dlopen) has no table
 * until then. */
static __always_inline void report_unknown_mapping(struct xpu_unwind_proc *proc)
{
	__u64 now = bpf_ktime_get_ns();
	struct xpu_proc_event *e;

	if (now - proc->reported_ns < 20 * 1000 * 1000)
		return;
	proc->reported_ns = now;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = XPU_EV_UNKNOWN_MAPPING;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->gen = proc->gen;
	e->ts_ns = now;
	bpf_ringbuf_submit(e, 0);
}

/* Marks the binary's table as used this epoch and, when it has no rows yet,
 * asks user space for it: at most once an epoch (about a second) per
 * binary, for all processes together. */
static __always_inline void note_table_use(struct xpu_scratch *s, struct xpu_unwind_bin *b, __u32 bin)
{
	struct xpu_proc_event *e;

	if (!s->epoch)
		s->epoch = (__u32)(bpf_ktime_get_ns() >> 30) | 1;
	if (b->used_epoch == s->epoch)
		return;
	b->used_epoch = s->epoch;
	if (b->row_count || (b->flags & XPU_BIN_FP_ONLY))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->type = XPU_EV_TABLE_WANTED;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->bin = bin;
	e->ts_ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
}

/* A frame without a usable table row: frame pointers, unless --call-graph
 * dwarf forbids them. */
static __always_inline long no_rule(struct xpu_scratch *s, __u32 reason)
{
	s->degraded = 1;
	return unwind_mode == XPU_UNWIND_DWARF ? end_walk(s, reason) : fp_step(s);
}

static __always_inline long cfi_step(struct xpu_scratch *s, struct xpu_unwind_proc *proc)
{
	struct xpu_unwind_mapping *m = find_mapping(s, proc, s->pc);
	struct xpu_unwind_rule *r;
	struct xpu_unwind_bin *b;
	__u64 cfa, ra, bp = s->bp;
	__u32 bin;

	if (!m) {
		report_unknown_mapping(proc);
		return no_rule(s, XPU_TRUNC_NO_MAPPING);
	}
	bin = m->bin;
	b = bpf_map_lookup_elem(&unwind_bins, &bin);
	if (!b)
		return no_rule(s, XPU_TRUNC_NO_TABLE);
	note_table_use(s, b, bin);
	if (!b->row_count || (b->flags & XPU_BIN_FP_ONLY))
		return no_rule(s, XPU_TRUNC_NO_TABLE);
	/* A return address is one past its call, which may be the last
	 * instruction of the function: look up the call itself. */
	r = find_rule(s, b, s->pc - m->bias - (s->exact ? 0 : 1));
	if (!r)
		return no_rule(s, XPU_TRUNC_NO_CFI);
	switch (r->cfa_kind) {
	case XPU_CFA_STOP:
		return end_walk(s, XPU_END_ROOT); /* the root: _start, clone3's child */
	case XPU_CFA_RSP:
		cfa = s->sp + r->cfa_off;
		break;
	case XPU_CFA_RBP:
		cfa = s->bp + r->cfa_off;
		break;
	case XPU_CFA_PLT:
		cfa = s->sp + 8 + (((s->pc & 15) >= (__u64)r->cfa_off) ? 8 : 0);
		break;
	case XPU_CFA_NONE:
		return no_rule(s, XPU_TRUNC_NO_CFI);
	default:
		return no_rule(s, XPU_TRUNC_NO_CFI);
	}
	if (bpf_probe_read_user(&ra, sizeof(ra), (void *)(cfa - 8)))
		return end_walk(s, XPU_TRUNC_READ);
	if (r->rbp_kind == XPU_RBP_AT_CFA &&
	    bpf_probe_read_user(&bp, sizeof(bp), (void *)(cfa + r->rbp_off)))
		return end_walk(s, XPU_TRUNC_READ);
	return push_caller(s, cfa, ra, bp);
}

#include "python.bpf.h"

static long unwind_step(__u32 i, void *ctx)
{
	struct unwind_ctx *c = ctx;
	struct xpu_scratch *s = c->s;
	long ret = 0;

	if (s->ended)
		return 1;
	if (c->py && py_step(s, c->py, &ret))
		return ret;
	if (unwind_mode == XPU_UNWIND_FP)
		return fp_step(s);
	if (!c->proc) /* not described yet: user space is reading its maps */
		return no_rule(s, XPU_TRUNC_NO_TABLE);
	return cfi_step(s, c->proc);
}

/* Starts a walk at the registers of a stopped task: the leaf is `ip`. */
static __always_inline void walk_begin(struct xpu_scratch *s, __u64 ip, __u64 sp, __u64 bp)
{
	s->ev.stack.nr = 0;
	s->ended = 0;
	s->degraded = 0;
	s->epoch = 0;
	s->pc = ip;
	s->sp = sp;
	s->bp = bp;
	s->exact = 1;
	s->py_frame = 0;
	s->py_state = 0;
	s->py_checked = 0;
	if (!ip) {
		s->ended = 1;
		return;
	}
	s->ev.stack.ip[0] = ip;
	s->ev.stack.nr = 1;
}

/* Walks up to `steps` more frames of process `tgid`'s stack. */
static __always_inline void walk_steps(struct xpu_scratch *s, __u32 tgid, __u32 steps)
{
	struct unwind_ctx c = { .s = s };

	if (s->ended)
		return;
	if (unwind_mode != XPU_UNWIND_FP) {
		struct xpu_proc *now = bpf_map_lookup_elem(&procs, &tgid);

		c.proc = bpf_map_lookup_elem(&unwind_procs, &tgid);
		/* User space may describe an image the process has already left
		 * (it reads events late: a fork's description arriving after the
		 * child's exec). Tables of the wrong image give wrong frames;
		 * frame pointers until the right one is described. */
		if (c.proc && (!now || c.proc->gen != now->gen))
			c.proc = NULL;
	}
	c.py = bpf_map_lookup_elem(&py_procs, &tgid);
	bpf_loop(steps, unwind_step, &c, 0);
	if (c.py)
		py_flush_counts(s);
}

#endif /* XPU_UNWIND_BPF_H */
