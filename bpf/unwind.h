/* Unwind tables shared by bpf/unwind.bpf.h (the in-kernel unwinder) and
 * lib/kernel/unwind_loader.cpp (which builds them from .eh_frame and loads them).
 * x86-64 only for now: the return address is always at CFA-8, and the
 * registers an unwinder needs are the pc, rsp and rbp. */
#ifndef XPU_BPF_UNWIND_H
#define XPU_BPF_UNWIND_H

#include "common.h"

/* How user stacks are walked (the `unwind_mode` knob, set from --call-graph
 * through lib/kernel/call_graph.hpp): frame pointers only, tables only, or
 * tables where loaded and frame pointers elsewhere. */
enum xpu_unwind_mode {
	XPU_UNWIND_FP = 0,
	XPU_UNWIND_DWARF = 1,
	XPU_UNWIND_AUTO = 2,
};

/* How to find the caller's frame from a row of the CFI table. */
enum xpu_cfa_kind {
	XPU_CFA_INVALID = 0, /* an expression we do not handle: fall back to FP */
	XPU_CFA_RSP = 1,     /* CFA = rsp + cfa_off */
	XPU_CFA_RBP = 2,     /* CFA = rbp + cfa_off */
	XPU_CFA_PLT = 3,     /* CFA = rsp + 8 + ((pc & 15) >= cfa_off ? 8 : 0) */
	XPU_CFA_STOP = 4,    /* the return address is undefined: the root */
	XPU_CFA_NONE = 5,    /* no CFI covers the pc (a gap between FDEs) */
};

enum xpu_rbp_kind {
	XPU_RBP_SAME = 0,    /* the caller's rbp is the current rbp */
	XPU_RBP_AT_CFA = 1,  /* saved at CFA + rbp_off */
	XPU_RBP_UNDEF = 2,   /* not recoverable */
};

/* A rule, deduplicated across all binaries (a binary has a few hundred). */
struct xpu_unwind_rule {
	__u8 cfa_kind;  /* enum xpu_cfa_kind */
	__u8 rbp_kind;  /* enum xpu_rbp_kind */
	__s16 cfa_off;
	__s16 rbp_off;
	__u16 _pad;
};

/* From `pc` (an ELF virtual address of the binary) up to the next row's pc,
 * `rule` applies. A binary's rows are sorted by pc. */
struct xpu_unwind_row {
	__u32 pc;
	__u16 rule;
	__u16 _pad;
};

/* A page of a binary's index (lib/kernel/unwind_index.cpp): the binary's
 * ELF addresses from its first row's (the bin's page_base) on, cut in pages
 * of 2^page_shift bytes. Rows [first, first + count) of the binary are the only ones that
 * can cover an address of the page: the row at its start, then those that
 * start inside it. A walk searches those (a handful), not all the rows.
 * Pages live in unwind_rows right after the binary's rows, one slot each,
 * so they are allocated and evicted with them. */
struct xpu_unwind_page {
	__u32 first; /* row index, relative to the bin's row_base */
	__u16 count; /* at least 1 (pages are at most 2^XPU_PAGE_SHIFT_MAX bytes) */
	__u16 rule;  /* count == 1: that row's rule, so the row is not read */
};

/* Pages are at least 2^XPU_PAGE_SHIFT_MIN bytes and grow until a binary
 * has at most one per XPU_ROWS_PER_PAGE rows (the index costs at most
 * 1/XPU_ROWS_PER_PAGE more slots than the rows), up to 2^XPU_PAGE_SHIFT_MAX
 * (so a page's count, at most one row per byte and one more, fits 16 bits). */
#define XPU_PAGE_SHIFT_MIN 4
#define XPU_PAGE_SHIFT_MAX 15
#define XPU_ROWS_PER_PAGE 4

#define XPU_BIN_FP_ONLY (1u << 0)  /* no table and none coming: walk frame pointers */

/* A binary's rows: unwind_rows[row_base, row_base + row_count), then its
 * page index: unwind_rows[row_base + row_count, + page_count), each slot a
 * struct xpu_unwind_page. A bin with no rows and no XPU_BIN_FP_ONLY is one
 * whose table user space has not loaded yet (queued, or evicted to make
 * room): a walk that meets it asks for it (XPU_EV_TABLE_WANTED), so tables
 * are built first for the binaries samples land in. */
struct xpu_unwind_bin {
	__u32 row_base;
	__u32 row_count;
	__u32 flags;      /* XPU_BIN_* */
	__u32 used_epoch; /* last epoch (2^30 ns) a walk used or wanted it (BPF
			   * writes it; user space evicts the least recent) */
	__u32 page_base;  /* ELF address of page 0: the first row's pc */
	__u32 page_count; /* pages in the index; addresses past them: the last row */
	__u32 page_shift; /* pages are 2^page_shift bytes */
	__u32 _pad;
};

/* Executable mappings per process. An ML process maps hundreds of
 * libraries (importing torch: 315), and the ones that run are mapped last. */
#define XPU_UNWIND_MAPPINGS 512

/* An executable mapping: for pc in [start, end), the ELF address is
 * pc - bias and the rows are those of unwind_bins[bin]. */
struct xpu_unwind_mapping {
	__u64 start;
	__u64 end;
	__u64 bias;
	__u32 bin;
	__u32 _pad;
};

/* A process's executable mappings, sorted by start. */
struct xpu_unwind_proc {
	__u32 count;
	__u32 gen;          /* the address space they describe */
	__u64 reported_ns;  /* last XPU_EV_UNKNOWN_MAPPING sent (BPF writes it) */
	struct xpu_unwind_mapping m[XPU_UNWIND_MAPPINGS];
};

/* Why an unwind ended early. The reason is the stack's last entry, as a
 * value no code address can have; user space turns it into a
 * "[truncated:<reason>]" frame. */
#define XPU_TRUNC_BASE 0xfffffffffffff000ULL
enum xpu_trunc {
	XPU_TRUNC_NO_MAPPING = 1, /* pc in no known executable mapping */
	XPU_TRUNC_NO_TABLE = 2,   /* --call-graph dwarf and no table here */
	XPU_TRUNC_READ = 3,       /* stack memory could not be read */
	XPU_TRUNC_DEPTH = 4,      /* more than XPU_MAX_STACK_DEPTH frames */
	XPU_TRUNC_BAD_CFA = 5,    /* the frame went down the stack, or stayed */
	XPU_TRUNC_NO_CFI = 6,     /* the pc is in a binary but outside its CFI */
	/* Not a truncation: the walk reached the frame whose return address
	 * .eh_frame marks undefined (_start, a thread's clone3), so the stack
	 * is complete even where the binary is stripped of those names. */
	XPU_END_ROOT = 0x80,
};

#define XPU_UNWIND_RULES 8192
#define XPU_UNWIND_BINS 4096

#endif /* XPU_BPF_UNWIND_H */
