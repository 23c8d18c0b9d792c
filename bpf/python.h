/* CPython interpreters, shared by bpf/python.bpf.h (the Python frame walker
 * inside the native unwinder) and lib/python/ (which recognises an
 * interpreter when its mapping appears and describes it here).
 *
 * A Python frame travels in the user stack as one entry that no code
 * address can take: the top two bits 10, the code object's address in the
 * low 47 bits and the instruction offset (in 2-byte code units, capped) in
 * bits 47..61. A code object is 16-byte aligned, so the address's low four
 * bits carry a fingerprint of the code object instead (of its co_qualname
 * pointer, co_name on 3.10, which has no qualname): a code object freed and
 * another allocated at its address (a class body runs once; importing torch
 * frees thousands) would otherwise give the same entry, one stack and one
 * name for both. */
#ifndef XPU_BPF_PYTHON_H
#define XPU_BPF_PYTHON_H

#include "common.h"

#define XPU_PY_FRAME_TAG 0x8000000000000000ULL
#define XPU_PY_ADDR_MASK ((1ULL << 47) - 1)
#define XPU_PY_UNIT_SHIFT 47
#define XPU_PY_UNIT_MAX 0x7fffULL
#define XPU_PY_FP_MASK 0xfULL

/* The fingerprint of a code object whose co_qualname (3.10: co_name) is at
 * `qualname`: objects are 16-byte aligned, so bits from 4 up, folded. */
static inline __u64 xpu_py_fingerprint(__u64 qualname)
{
	return ((qualname >> 4) ^ (qualname >> 8) ^ (qualname >> 12) ^ (qualname >> 16)) & XPU_PY_FP_MASK;
}

/* How an eval call's first frame is marked. 3.10 runs one frame per eval
 * call (a heap PyFrameObject, linked by f_back): no mark is needed, and its
 * f_instr is f_lasti, an int index in code units (-1 before the first). */
enum xpu_py_entry {
	XPU_PY_ENTRY_FLAG = 1,     /* 3.11: a byte, nonzero on the eval call's first frame */
	XPU_PY_ENTRY_CSTACK = 2,   /* 3.12+: a shim frame with owner FRAME_OWNED_BY_CSTACK below it */
	XPU_PY_ENTRY_PER_CALL = 3, /* 3.10: every frame is its eval call's first and only one */
};
#define XPU_PY_OWNER_CSTACK 3

#define XPU_PY_NO_OFFSET 0xffff

/* One interpreter mapped into a process; addresses are absolute. */
struct xpu_py_proc {
	__u64 eval_start[2]; /* _PyEval_EvalFrameDefault, then its .cold part (0: none) */
	__u64 eval_end[2];
	__u64 tss;           /* the Py_tss_t {int initialized; int key} naming the thread state */
	__u64 code_type;     /* &PyCode_Type: a frame's code object must have it as type */
	__u16 ts_cframe;     /* thread state -> _PyCFrame (XPU_PY_NO_OFFSET: frame is in the thread state) */
	__u16 ts_frame;      /* _PyCFrame (or thread state) -> current frame */
	__u16 f_code;        /* frame -> code object */
	__u16 f_prev;        /* frame -> previous (caller's) frame */
	__u16 f_instr;       /* frame -> instruction pointer (3.10: f_lasti) */
	__u16 f_entry;       /* frame -> is_entry (3.11) or owner (3.12+) byte (3.10: unused) */
	__u16 code_first;    /* code object -> first instruction (3.10: unused) */
	__u8 entry_kind;     /* enum xpu_py_entry */
	__u8 minor;          /* 3.minor */
	__u16 code_qualname; /* code object -> co_qualname, 3.10 co_name (the fingerprint's source) */
	__u16 _pad[3];
};

/* The most bytes of interpreter memory the walker reads at once: a frame's
 * fields (f_code, f_prev, f_instr, f_entry) in one read, a code object's
 * type and co_qualname in another. Every supported layout's span fits. */
#define XPU_PY_SPAN_MAX 256

/* Walk outcomes, counted per CPU in py_stats (one xpu_py_stats per CPU;
 * user space sums them). */
enum xpu_py_stat {
	XPU_PY_STAT_EVAL_FRAMES = 0, /* native frames found in an eval loop */
	XPU_PY_STAT_FRAMES = 1,      /* Python frames emitted */
	XPU_PY_STAT_NO_TSS = 2,      /* thread-state key not set up (yet) */
	XPU_PY_STAT_NO_TSTATE = 3,   /* no thread state for this thread */
	XPU_PY_STAT_READ = 4,        /* interpreter memory unreadable */
	XPU_PY_STAT_BAD_CODE = 5,    /* a frame's code object is not one: walk stopped */
	XPU_PY_STAT_NO_FRAME = 6,    /* an eval frame with no Python frame left */
	XPU_PY_STAT_DEPTH = 7,       /* the stack was full */
	XPU_PY_STAT_STACKS = 8,      /* stack walks that met an eval frame */
	XPU_PY_STAT_COMPLETE = 9,    /* eval calls walked to their entry (or outermost) frame */
	XPU_PY_STAT_MAX = 10,
};

struct xpu_py_stats {
	__u64 n[XPU_PY_STAT_MAX];
};

/* Bytes from a frame's address that hold every field the walker reads. */
static inline __u32 xpu_py_frame_span(const struct xpu_py_proc *py)
{
	__u32 n = (__u32)py->f_code + 8;

	if ((__u32)py->f_prev + 8 > n)
		n = (__u32)py->f_prev + 8;
	if ((__u32)py->f_instr + 8 > n)
		n = (__u32)py->f_instr + 8;
	if (py->entry_kind != XPU_PY_ENTRY_PER_CALL && (__u32)py->f_entry + 1 > n)
		n = (__u32)py->f_entry + 1;
	return n;
}

/* Bytes from a code object's address that hold its type (at 8) and
 * co_qualname (3.10: co_name). */
static inline __u32 xpu_py_code_span(const struct xpu_py_proc *py)
{
	__u32 n = (__u32)py->code_qualname + 8;

	return n > 16 ? n : 16;
}

#endif /* XPU_BPF_PYTHON_H */
