/* Python frames inside the native unwinder (bpf/unwind.bpf.h). When a
 * native frame's pc lies in an interpreter's eval loop, the Python frames
 * that eval call runs are emitted after it (rootward), up to the call's
 * entry frame (3.10: exactly one frame, the call's own); the native walk
 * then goes on. One eval call's frames per eval native frame is py-spy's
 * merge rule; user space drops the eval frame itself unless asked to keep
 * it.
 *
 * State lives in the per-CPU scratch value (py_*), so a walk may stop and
 * resume (the off-CPU signature walks two frames first). A frame that fails
 * validation ends the Python part of the walk, counted by reason: native
 * frames go on, a wrong Python frame is never emitted. */
#ifndef XPU_PYTHON_BPF_H
#define XPU_PYTHON_BPF_H

#include "python.h"

enum { PY_IDLE = 0, PY_FRAMES = 1, PY_BETWEEN = 2, PY_DONE = 3 };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32); /* tgid */
	__type(value, struct xpu_py_proc);
} py_procs SEC(".maps") __weak;

/* Per CPU: one shared array took an atomic add per Python frame from every
 * CPU, its cache line bouncing between them. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xpu_py_stats);
} py_stats SEC(".maps") __weak;

/* Counted in the walk's scratch (no other context writes it) and added to
 * this CPU's py_stats once, by py_flush_counts(). */
static __always_inline void py_count(struct xpu_scratch *s, __u32 stat)
{
	if (stat < XPU_PY_STAT_MAX)
		s->py_counts[stat]++;
}

/* Called when walk_steps returns. The add is atomic: a sample's interrupt
 * may flush on this CPU in the middle of a preemptible uprobe's flush. */
static __always_inline void py_flush_counts(struct xpu_scratch *s)
{
	__u32 zero = 0;
	struct xpu_py_stats *st = bpf_map_lookup_elem(&py_stats, &zero);

	if (!st)
		return;
	for (int i = 0; i < XPU_PY_STAT_MAX; i++) {
		if (s->py_counts[i]) {
			__sync_fetch_and_add(&st->n[i], s->py_counts[i]);
			s->py_counts[i] = 0;
		}
	}
}

static __always_inline long py_fail(struct xpu_scratch *s, __u32 stat)
{
	py_count(s, stat);
	s->py_state = PY_DONE;
	return 1;
}

static __always_inline bool py_in_eval(const struct xpu_py_proc *py, __u64 pc)
{
	return (pc >= py->eval_start[0] && pc < py->eval_end[0]) ||
	       (pc >= py->eval_start[1] && pc < py->eval_end[1]);
}

/* The current thread's innermost Python frame into *frame, or the failure
 * (XPU_PY_STAT_*): thread state from glibc's TSD slot for the interpreter's
 * pthread key (fsbase + 0x310 + 16*key + 8, glibc 2.34+ for keys < 32),
 * then its current frame. */
static __always_inline __u32 py_current_frame(const struct xpu_py_proc *py, __u64 *frame)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tss[2];
	__u64 tstate, p;

	if (bpf_probe_read_user(tss, sizeof(tss), (void *)py->tss))
		return XPU_PY_STAT_READ;
	if (!tss[0] || tss[1] >= 32)
		return XPU_PY_STAT_NO_TSS;
	if (bpf_probe_read_user(&tstate, sizeof(tstate),
				(void *)(task->thread.fsbase + 0x310 + 16 * (__u64)tss[1] + 8)))
		return XPU_PY_STAT_READ;
	if (!tstate)
		return XPU_PY_STAT_NO_TSTATE;
	p = tstate;
	if (py->ts_cframe != XPU_PY_NO_OFFSET &&
	    bpf_probe_read_user(&p, sizeof(p), (void *)(tstate + py->ts_cframe)))
		return XPU_PY_STAT_READ;
	if (!p || bpf_probe_read_user(frame, sizeof(*frame), (void *)(p + py->ts_frame)))
		return XPU_PY_STAT_READ;
	return XPU_PY_STAT_FRAMES; /* success */
}

static __always_inline long py_first_frame(struct xpu_scratch *s, const struct xpu_py_proc *py)
{
	__u32 r = py_current_frame(py, &s->py_frame);

	/* An earlier walk's code object may since have been freed. */
	s->py_code = 0;
	return r == XPU_PY_STAT_FRAMES ? 0 : py_fail(s, r);
}

/* Where the current thread stands in Python, as a number for the off-CPU
 * block signature (bpf/offcpu.bpf.c): its innermost frame, that frame's
 * code object and instruction. Two waits from different Python functions
 * at the same native depth differ here and nowhere in the native frames
 * (the interpreter frames even reuse one slot of the data stack). 0 when
 * the thread runs no Python. Nothing counted: the walk proper counts. */
static __always_inline __u64 py_position(const struct xpu_py_proc *py)
{
	__u64 f = 0, where[2] = {};

	if (py_current_frame(py, &f) != XPU_PY_STAT_FRAMES || !f)
		return 0;
	if (bpf_probe_read_user(&where[0], sizeof(where[0]), (void *)(f + py->f_code)) ||
	    bpf_probe_read_user(&where[1], sizeof(where[1]), (void *)(f + py->f_instr)))
		return f;
	return f ^ (where[0] * 31) ^ (where[1] << 7);
}

/* The instruction a frame is at, in code units from its first: 3.11+
 * derive it from an instruction pointer, 3.10 keeps it (f_lasti, an int,
 * -1 before the first instruction). */
static __always_inline __u64 py_units(const struct xpu_py_proc *py, __u64 code, __u64 instr)
{
	__u64 units;

	if (py->entry_kind == XPU_PY_ENTRY_PER_CALL)
		units = (__s32)instr < 0 ? 0 : (__u32)instr;
	/* 3.11/3.12's prev_instr sits one unit before the next instruction
	 * (-1 before the first): user space reads lines as CPython does. */
	else
		units = instr >= code + py->code_first ? (instr - code - py->code_first) / 2 : 0;
	return units > XPU_PY_UNIT_MAX ? XPU_PY_UNIT_MAX : units;
}

/* The 8 bytes (or byte) at `off` of the block last read into py_buf. The
 * span checks before each read keep off within it; these bounds are the
 * verifier's (the empty asm keeps clang from folding them away). */
static __always_inline __u64 py_buf_u64(const struct xpu_scratch *s, __u32 off)
{
	asm volatile("" : "+r"(off));
	return off <= XPU_PY_SPAN_MAX - 8 ? *(const __u64 *)&s->py_buf[off] : 0;
}

static __always_inline __u8 py_buf_u8(const struct xpu_scratch *s, __u32 off)
{
	asm volatile("" : "+r"(off));
	return off < XPU_PY_SPAN_MAX ? s->py_buf[off] : 0;
}

/* Code object `code`'s fingerprint into *fp, or false when it is not a
 * code object (its type is not PyCode_Type). One read covers the type and
 * co_qualname; the walk's last code object is remembered (a recursion's
 * frames share one, which cannot change while the walk holds the thread). */
static __always_inline bool py_code_fingerprint(struct xpu_scratch *s, const struct xpu_py_proc *py,
						__u64 code, __u64 *fp)
{
	__u32 span = xpu_py_code_span(py);

	if (!code || (code & ~XPU_PY_ADDR_MASK) || (code & XPU_PY_FP_MASK))
		return false;
	if (code == s->py_code) {
		*fp = s->py_code_fp;
		return true;
	}
	if (span > XPU_PY_SPAN_MAX || bpf_probe_read_user(s->py_buf, span, (void *)code) ||
	    py_buf_u64(s, 8) != py->code_type)
		return false;
	*fp = xpu_py_fingerprint(py_buf_u64(s, py->code_qualname));
	s->py_code = code;
	s->py_code_fp = *fp;
	return true;
}

/* One frame of the current eval call: emitted, or (3.12+) the shim that
 * ends the call. At most two user reads: the frame's fields in one block,
 * the code object's type and qualname in another unless the walk's last
 * code object was the same. */
static __always_inline long py_frame_step(struct xpu_scratch *s, const struct xpu_py_proc *py)
{
	__u64 f = s->py_frame, code, prev, instr, units, fp;
	__u32 n = s->ev.stack.nr, span = xpu_py_frame_span(py);
	__u8 mark = 0;

	if (!f) {
		py_count(s, XPU_PY_STAT_COMPLETE);
		s->py_state = PY_DONE; /* the outermost Python frame was passed */
		return 0;
	}
	if (span > XPU_PY_SPAN_MAX || bpf_probe_read_user(s->py_buf, span, (void *)f))
		return py_fail(s, XPU_PY_STAT_READ);
	prev = py_buf_u64(s, py->f_prev);
	if (py->entry_kind != XPU_PY_ENTRY_PER_CALL)
		mark = py_buf_u8(s, py->f_entry);
	if (py->entry_kind == XPU_PY_ENTRY_CSTACK && mark == XPU_PY_OWNER_CSTACK) {
		py_count(s, XPU_PY_STAT_COMPLETE);
		s->py_frame = prev;
		s->py_state = PY_BETWEEN;
		return 0;
	}
	code = py_buf_u64(s, py->f_code);
	instr = py_buf_u64(s, py->f_instr);
	if (!py_code_fingerprint(s, py, code, &fp))
		return py_fail(s, XPU_PY_STAT_BAD_CODE);
	if (n >= XPU_MAX_STACK_DEPTH - 1) {
		py_count(s, XPU_PY_STAT_DEPTH);
		return end_walk(s, XPU_TRUNC_DEPTH);
	}
	units = py_units(py, code, instr);
	s->ev.stack.ip[n] = XPU_PY_FRAME_TAG | (units << XPU_PY_UNIT_SHIFT) | code | fp;
	s->ev.stack.nr = n + 1;
	py_count(s, XPU_PY_STAT_FRAMES);
	s->py_frame = prev;
	/* 3.10: every eval call runs one frame. A sample in an eval call's
	 * prologue or epilogue (its frame not yet, or no longer, current)
	 * gives each eval call its caller's frame: the innermost Python frame
	 * is missing, the rest in order, and the outermost eval call finds no
	 * frame left (counted as no-python-frame). */
	if ((py->entry_kind == XPU_PY_ENTRY_FLAG && mark) || py->entry_kind == XPU_PY_ENTRY_PER_CALL) {
		py_count(s, XPU_PY_STAT_COMPLETE);
		s->py_state = PY_BETWEEN;
	}
	return 0;
}

/* Called before each native step: true when this step was Python's (a
 * frame emitted, or the walk ended), with `ret` bpf_loop's return. */
static __always_inline bool py_step(struct xpu_scratch *s, const struct xpu_py_proc *py, long *ret)
{
	if (s->py_state == PY_DONE)
		return false;
	if (!s->py_checked) {
		s->py_checked = 1;
		if (!py_in_eval(py, s->pc))
			return false;
		py_count(s, XPU_PY_STAT_EVAL_FRAMES);
		if (s->py_state == PY_IDLE) {
			py_count(s, XPU_PY_STAT_STACKS);
			if (py_first_frame(s, py))
				return false; /* failed: native frames only */
		}
		if (!s->py_frame) {
			py_count(s, XPU_PY_STAT_NO_FRAME);
			s->py_state = PY_DONE;
			return false;
		}
		s->py_state = PY_FRAMES;
	}
	if (s->py_state != PY_FRAMES)
		return false;
	*ret = py_frame_step(s, py);
	return true;
}

#endif /* XPU_PYTHON_BPF_H */
