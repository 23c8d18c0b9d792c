#include "kernel/unwind_loader.hpp"

#include <bpf/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "symbolize/elf_file.hpp"
#include "base/log.hpp"
#include "xpu.skel.h"

namespace xpu {

namespace {

size_t page_round(size_t n)
{
	size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
	return (n + page - 1) / page * page;
}

void *map_array(bpf_map *map, size_t len)
{
	void *p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
	return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

UnwindLoader::UnwindLoader(BpfSession &bpf) : bpf_(bpf) {}

UnwindLoader::~UnwindLoader()
{
	if (rows_)
		munmap(rows_, rows_len_);
	if (rules_)
		munmap(rules_, rules_len_);
}

Result<void> UnwindLoader::init()
{
	auto &s = bpf_.skel();
	rows_len_ = page_round(sizeof(xpu_unwind_row) * bpf_map__max_entries(s.maps.unwind_rows));
	rules_len_ = page_round(sizeof(xpu_unwind_rule) * XPU_UNWIND_RULES);
	rows_ = map_array(s.maps.unwind_rows, rows_len_);
	rules_ = map_array(s.maps.unwind_rules, rules_len_);
	if (!rows_ || !rules_)
		return sys_fail(ExitCode::environment, errno, "map the unwind tables");
	stats_.row_capacity = bpf_map__max_entries(s.maps.unwind_rows);
	return {};
}

Result<uint16_t> UnwindLoader::rule_id(const UnwindRule &r)
{
	auto it = rule_ids_.find(r);
	if (it != rule_ids_.end())
		return it->second;
	if (rule_ids_.size() >= XPU_UNWIND_RULES)
		return fail(ExitCode::internal, "more than {} distinct unwind rules", XPU_UNWIND_RULES);
	auto id = static_cast<uint16_t>(rule_ids_.size());
	auto *slot = static_cast<xpu_unwind_rule *>(rules_) + id;
	*slot = xpu_unwind_rule{r.cfa_kind, r.rbp_kind, r.cfa_off, r.rbp_off, 0};
	rule_ids_.emplace(r, id);
	stats_.rules = rule_ids_.size();
	return id;
}

Result<uint32_t> UnwindLoader::load_table(ElfFile *file)
{
	auto t0 = std::chrono::steady_clock::now();
	auto table = build_unwind_table(file->elf());
	stats_.build_ms +=
		std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
	if (!table)
		return std::unexpected(table.error());
	if (next_bin_ >= XPU_UNWIND_BINS)
		return fail(ExitCode::internal, "more than {} binaries", XPU_UNWIND_BINS);
	if (table->rows.size() > stats_.row_capacity - next_row_)
		return fail(ExitCode::internal, "unwind rows full ({} rows)", stats_.row_capacity);
	auto *rows = static_cast<xpu_unwind_row *>(rows_) + next_row_;
	for (size_t i = 0; i < table->rows.size(); i++) {
		const UnwindRow &r = table->rows[i];
		auto id = rule_id(r.rule);
		if (!id)
			return std::unexpected(id.error());
		if (r.pc > UINT32_MAX)
			return fail(ExitCode::internal, "addresses above 4 GiB");
		rows[i] = xpu_unwind_row{static_cast<__u32>(r.pc), *id, 0};
	}
	// The bin last: once it exists, BPF may use the rows.
	xpu_unwind_bin bin{next_row_, static_cast<__u32>(table->rows.size()), 0, 0};
	uint32_t id = next_bin_;
	if (bpf_map_update_elem(bpf_map__fd(bpf_.skel().maps.unwind_bins), &id, &bin, BPF_ANY))
		return sys_fail(ExitCode::internal, errno, "write unwind bin");
	next_row_ += static_cast<uint32_t>(table->rows.size());
	next_bin_++;
	stats_.binaries++;
	stats_.rows = next_row_;
	log::debug("unwind table {}: {} rows from {} FDEs ({} unusable)", file->name(),
		   table->rows.size(), table->fdes, table->invalid_rows);
	return id;
}

uint32_t UnwindLoader::bin_for(ElfFile *file)
{
	auto it = bins_.find(file);
	if (it != bins_.end())
		return it->second;
	auto bin = load_table(file);
	if (!bin) {
		// Bin 0 has no rows: frames there walk frame pointers (auto) or
		// end the stack, marked (dwarf).
		log::debug("no unwind table for {}: {}", file->name(), bin.error().msg);
		stats_.failed++;
	}
	uint32_t id = bin ? *bin : 0;
	bins_.emplace(file, id);
	return id;
}

void UnwindLoader::load(pid_t pid, uint32_t gen, const std::vector<ExecMapping> &mappings)
{
	if (!rows_)
		return;
	xpu_unwind_proc proc{};
	proc.gen = gen;
	for (const ExecMapping &m : mappings) {
		if (proc.count == XPU_UNWIND_MAPPINGS) {
			log::debug("pid {}: more than {} executable mappings", pid, XPU_UNWIND_MAPPINGS);
			break;
		}
		auto &slot = proc.m[proc.count++];
		slot.start = m.start;
		slot.end = m.end;
		slot.bias = m.bias;
		slot.bin = bin_for(m.file);
	}
	std::sort(proc.m, proc.m + proc.count,
		  [](const auto &a, const auto &b) { return a.start < b.start; });
	__u32 key = static_cast<__u32>(pid);
	if (bpf_map_update_elem(bpf_map__fd(bpf_.skel().maps.unwind_procs), &key, &proc, BPF_ANY))
		log::debug("pid {}: cannot describe mappings: {}", pid, std::strerror(errno));
	else
		stats_.processes++;
	describe_python(pid, mappings);
}

// The Python walker's description of the process's interpreter, if it has
// one that can be walked (bpf/python.bpf.h).
void UnwindLoader::describe_python(pid_t pid, const std::vector<ExecMapping> &mappings)
{
	auto found = python_.find(mappings);
	__u32 key = static_cast<__u32>(pid);
	int fd = bpf_map__fd(bpf_.skel().maps.py_procs);
	if (!found.binary || !found.binary->refused.empty()) {
		bpf_map_delete_elem(fd, &key);  // an exec may have replaced one
		return;
	}
	xpu_py_proc py = found.binary->describe(found.mapping->bias);
	has_python_ = true;
	if (bpf_map_update_elem(fd, &key, &py, BPF_ANY))
		log::debug("pid {}: cannot describe its interpreter: {}", pid, std::strerror(errno));
}

}  // namespace xpu
