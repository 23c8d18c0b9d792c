// Keeps the in-kernel unwinder's tables (bpf/unwind.h) in step with the
// target processes. A process is described at once, every executable
// mapping pointing at its binary's bin; the tables themselves are built
// (unwind_table.cpp) a few at a time from the event loop: first the ones
// walks asked for (XPU_EV_TABLE_WANTED: a sample landed there), then the
// rest in mapping order while the rows array is less than half full (an ML
// process maps hundreds of libraries it never runs; the other half is kept
// for the ones it does). A bin without rows walks frame pointers until its
// table arrives. When no range is free for a wanted table, it evicts tables
// no walk used lately.
//
// Rows and rules are written before the bin that points at them, so BPF
// never sees a half-loaded table; an evicted table's bin is emptied first
// and its rows reused only after a grace period.
#pragma once

#include <algorithm>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/error.hpp"
#include "kernel/bpf_session.hpp"
#include "kernel/row_allocator.hpp"
#include "kernel/unwind_report.hpp"
#include "kernel/unwind_table.hpp"
#include "python/python_detector.hpp"
#include "symbolize/symbolizer.hpp"

struct xpu_unwind_proc;

namespace xpu {

// Where a binary's table stands.
enum class TableState {
	queued,     // not built yet
	loaded,     // its rows are in the array
	failed,     // none can be built (no .eh_frame_hdr, ...): frame pointers
	evicted,    // was loaded, gave its rows to a table walks wanted more
	no_room,    // built, but the array has no room for it even after evicting
};

// The epoch BPF writes into a bin's used_epoch: bpf_ktime_get_ns()
// (CLOCK_MONOTONIC) >> 30, about a second, never 0.
uint32_t unwind_epoch_now();

class UnwindLoader {
public:
	using Clock = std::chrono::steady_clock;

	explicit UnwindLoader(BpfSession &bpf);
	~UnwindLoader();
	UnwindLoader(const UnwindLoader &) = delete;
	UnwindLoader &operator=(const UnwindLoader &) = delete;

	// Maps the rows and rules arrays. Called once after load.
	Result<void> init();
	// Describes process `pid`'s executable mappings to the unwinder at
	// once; the tables it lacks are queued.
	void load(pid_t pid, uint32_t gen, const std::vector<ExecMapping> &mappings);
	// Builds and loads a binary's table now, before any process needs it.
	void prepare(ElfFile *file);
	// A walk met bin `bin` without rows: build it before the others.
	void want(uint32_t bin);
	// Builds queued tables, wanted ones first, until `deadline` (at least
	// one when any is queued).
	void build_queued(Clock::time_point deadline);
	bool has_queued() const { return !wanted_.empty() || background_open(); }

	UnwindStats stats() const;
	// Binaries with no table now, by "[basename]" label (as stack quality
	// names the binary a stack ended in).
	std::map<std::string, MissingTable> missing_tables() const;
	// Whether some process described so far has a walkable interpreter.
	bool has_python() const { return has_python_; }

private:
	struct Bin {
		ElfFile *file = nullptr;
		TableState state = TableState::queued;
		// Slots of the rows array: the table's rows and its page index.
		uint32_t row_base = 0;
		uint32_t row_count = 0;
		uint32_t rows_needed = 0;  // once built: its table's size (rows and index)
		std::string error;  // why no table can be built
		Clock::time_point loaded_at;
	};

	uint32_t bin_for(ElfFile *file);
	bool worth_building(uint32_t id, bool wanted);
	std::optional<uint32_t> next_to_build(bool &wanted);
	UnwindTableBuilder *builder_for(uint32_t id);
	void mark_failed(uint32_t id, const std::string &why);
	void load_built(uint32_t id, Result<UnwindTable> table, bool wanted);
	// Tables are built ahead of need while some are queued and the rows
	// array is less than half full, at most kBackgroundRows (and none of
	// them has found no room): building costs CPU, and the rest is kept for
	// tables walks want.
	static constexpr uint64_t kBackgroundRows = 1u << 21;
	bool background_open() const
	{
		return !background_.empty() && !background_full_ && alloc_ &&
		       alloc_->used() < std::min<uint64_t>(alloc_->capacity() / 2, kBackgroundRows);
	}
	Result<void> place(uint32_t id, const UnwindTable &table, bool may_evict);
	bool make_room(uint32_t id, uint32_t rows, bool dry_run);
	void write_bin(uint32_t id, const xpu_unwind_bin &bin);
	Result<uint16_t> rule_id(const UnwindRule &r);
	void describe_python(pid_t pid, const std::vector<ExecMapping> &mappings);

	BpfSession &bpf_;
	// unwind_rows is 64 MB: mapping it whole would put all of it in our RSS
	// (an array map's mmap maps every page at once), so each table is
	// written through a mapping of just its pages (RowWindow).
	int rows_fd_ = -1;
	void *rules_ = nullptr;  // mmap of unwind_rules (64 KiB)
	size_t rules_len_ = 0;
	std::unique_ptr<RowAllocator> alloc_;
	std::map<UnwindRule, uint16_t> rule_ids_;
	std::vector<Bin> bins_;  // index = bin id; 0 is "no table"
	std::unordered_map<ElfFile *, uint32_t> bin_ids_;
	std::deque<uint32_t> wanted_;      // walks asked for these
	std::deque<uint32_t> background_;  // the rest, in the order met
	std::map<uint32_t, std::unique_ptr<UnwindTableBuilder>> building_;  // started, not finished
	std::unique_ptr<xpu_unwind_proc> proc_;  // 16 KiB: not on the stack
	bool background_full_ = false;  // a table not wanted found no room: stop building those
	std::unordered_map<pid_t, bool> overflow_logged_;
	UnwindStats stats_;
	PythonDetector python_;
	bool has_python_ = false;
};

}  // namespace xpu
