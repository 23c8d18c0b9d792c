// Keeps the in-kernel unwinder's tables (bpf/unwind.h) in step with the
// target processes: builds each binary's table once (unwind_table.cpp),
// copies its rows into the shared rows array, and describes each process's
// executable mappings. Rows and rules are written before the bins and the
// processes that point at them, so the BPF side never sees a half-loaded
// binary.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernel/bpf_session.hpp"
#include "base/error.hpp"
#include "symbolize/symbolizer.hpp"
#include "kernel/unwind_table.hpp"
#include "python/python_detector.hpp"

namespace xpu {

struct UnwindStats {
	uint64_t binaries = 0;       // tables loaded
	uint64_t failed = 0;         // binaries without a usable table
	uint64_t rows = 0;           // rows loaded
	uint64_t row_capacity = 0;
	uint64_t rules = 0;
	double build_ms = 0;         // time spent building tables
	uint64_t processes = 0;      // processes described
};

class UnwindLoader {
public:
	explicit UnwindLoader(BpfSession &bpf);
	~UnwindLoader();
	UnwindLoader(const UnwindLoader &) = delete;
	UnwindLoader &operator=(const UnwindLoader &) = delete;

	// Maps the rows and rules arrays. Called once after load.
	Result<void> init();
	// Describes process `pid`'s executable mappings to the unwinder,
	// loading the tables of binaries not seen before.
	void load(pid_t pid, uint32_t gen, const std::vector<ExecMapping> &mappings);

	// Builds and loads a binary's table before any process needs it.
	void prepare(ElfFile *file) { bin_for(file); }

	UnwindStats stats() const { return stats_; }
	// Whether some process described so far has a walkable interpreter.
	bool has_python() const { return has_python_; }
	// Rows the rows array holds (the size user space gives it before load).
	static constexpr uint32_t kRowCapacity = 1u << 20;  // 8 MiB

private:
	uint32_t bin_for(ElfFile *file);
	Result<uint32_t> load_table(ElfFile *file);
	Result<uint16_t> rule_id(const UnwindRule &r);
	void describe_python(pid_t pid, const std::vector<ExecMapping> &mappings);

	BpfSession &bpf_;
	void *rows_ = nullptr;   // mmap of unwind_rows
	void *rules_ = nullptr;  // mmap of unwind_rules
	size_t rows_len_ = 0, rules_len_ = 0;
	uint32_t next_row_ = 0;
	uint32_t next_bin_ = 1;  // bin 0: no table
	std::map<UnwindRule, uint16_t> rule_ids_;
	std::unordered_map<ElfFile *, uint32_t> bins_;
	UnwindStats stats_;
	PythonDetector python_;
	bool has_python_ = false;
};

}  // namespace xpu
