#include "kernel/unwind_loader.hpp"

#include <bpf/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>

#include "base/log.hpp"
#include "kernel/unwind_index.hpp"
#include "symbolize/elf_file.hpp"
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

// The pages of an mmapable array map that hold elements [first, first + n),
// mapped for as long as one table takes to write: only they count in RSS,
// and only meanwhile.
class RowWindow {
public:
	RowWindow(int fd, uint64_t first, uint64_t n)
	{
		size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
		uint64_t begin = first * sizeof(xpu_unwind_row);
		uint64_t offset = begin / page * page;
		len_ = page_round(begin + n * sizeof(xpu_unwind_row) - offset);
		void *p = mmap(nullptr, len_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(offset));
		if (p == MAP_FAILED)
			return;
		base_ = p;
		rows_ = reinterpret_cast<xpu_unwind_row *>(static_cast<char *>(p) + (begin - offset));
	}
	~RowWindow()
	{
		if (base_)
			munmap(base_, len_);
	}
	RowWindow(const RowWindow &) = delete;
	RowWindow &operator=(const RowWindow &) = delete;
	xpu_unwind_row *rows() const { return rows_; }

private:
	void *base_ = nullptr;
	size_t len_ = 0;
	xpu_unwind_row *rows_ = nullptr;
};

// A table walks used within this many epochs is not evicted: giving a hot
// table's rows to another only to take them back would thrash.
constexpr uint32_t kHotEpochs = 2;

// How long an emptied bin's rows stay untouched before reuse. A walk that
// read the bin before it was emptied may still be searching its rows; BPF
// programs run for microseconds (a uprobe's walk can be preempted, but not
// for this long in practice).
constexpr auto kGrace = std::chrono::milliseconds(20);

// FDEs read per step of a table build: about 30 ms (libdw takes ~4 us an
// FDE), so a small wanted table waits at most that long behind a large one.
constexpr size_t kFdesPerStep = 8000;

// A bin with no table and none coming: walks use frame pointers.
xpu_unwind_bin fp_only_bin()
{
	xpu_unwind_bin b{};
	b.flags = XPU_BIN_FP_ONLY;
	return b;
}

std::string label_of(const ElfFile *f)
{
	return "[" + std::filesystem::path(f->name()).filename().string() + "]";
}

}  // namespace

uint32_t unwind_epoch_now()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
	return static_cast<uint32_t>(ns >> 30) | 1;
}

UnwindLoader::UnwindLoader(BpfSession &bpf) : bpf_(bpf), proc_(std::make_unique<xpu_unwind_proc>())
{
	bins_.emplace_back();  // bin 0: no table
	bins_[0].state = TableState::failed;
}

UnwindLoader::~UnwindLoader()
{
	if (rules_)
		munmap(rules_, rules_len_);
}

Result<void> UnwindLoader::init()
{
	auto &s = bpf_.skel();
	uint32_t capacity = bpf_map__max_entries(s.maps.unwind_rows);
	rules_len_ = page_round(sizeof(xpu_unwind_rule) * XPU_UNWIND_RULES);
	rules_ = map_array(s.maps.unwind_rules, rules_len_);
	// Rows are mapped per table later; mapping one page now makes a map
	// that cannot be mapped fail here, at start-up, not at the first table.
	if (!rules_ || !RowWindow(bpf_map__fd(s.maps.unwind_rows), 0, 1).rows())
		return sys_fail(ExitCode::environment, errno, "map the unwind tables");
	rows_fd_ = bpf_map__fd(s.maps.unwind_rows);
	alloc_ = std::make_unique<RowAllocator>(capacity);
	stats_.row_capacity = capacity;
	write_bin(0, fp_only_bin());
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

void UnwindLoader::write_bin(uint32_t id, const xpu_unwind_bin &bin)
{
	if (bpf_map_update_elem(bpf_map__fd(bpf_.skel().maps.unwind_bins), &id, &bin, BPF_ANY))
		log::debug("unwind bin {}: {}", id, std::strerror(errno));
}

uint32_t UnwindLoader::bin_for(ElfFile *file)
{
	auto it = bin_ids_.find(file);
	if (it != bin_ids_.end())
		return it->second;
	if (bins_.size() >= XPU_UNWIND_BINS) {
		log::debug("no unwind table for {}: more than {} binaries", file->name(), XPU_UNWIND_BINS);
		bin_ids_.emplace(file, 0);
		return 0;
	}
	auto id = static_cast<uint32_t>(bins_.size());
	Bin b;
	b.file = file;
	bins_.push_back(std::move(b));
	bin_ids_.emplace(file, id);
	background_.push_back(id);
	return id;
}

void UnwindLoader::prepare(ElfFile *file)
{
	uint32_t id = bin_for(file);
	if (!id || bins_[id].state != TableState::queued || rows_fd_ < 0)
		return;
	auto t0 = Clock::now();
	auto table = build_unwind_table(file->elf());
	stats_.build_ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
	load_built(id, std::move(table), false);
}

void UnwindLoader::want(uint32_t id)
{
	stats_.wanted++;
	if (id == 0 || id >= bins_.size())
		return;
	TableState st = bins_[id].state;
	if (st == TableState::loaded || st == TableState::failed)
		return;  // asked before it arrived, or nothing to build
	if (std::find(wanted_.begin(), wanted_.end(), id) == wanted_.end())
		wanted_.push_back(id);
}

// Whether a queued table should be built (again): not when it is loaded
// or cannot be; one that found no room only when room can be made now
// (libtorch_cpu's takes a second to build).
bool UnwindLoader::worth_building(uint32_t id, bool wanted)
{
	const Bin &b = bins_[id];
	switch (b.state) {
	case TableState::loaded:
	case TableState::failed: return false;
	case TableState::queued: return true;
	case TableState::evicted: return wanted;
	case TableState::no_room: return wanted && make_room(id, b.rows_needed, true);
	}
	return false;
}

// The next table to work on: the first one a walk wanted, unless another
// wanted one is done in a single step (a small library a sample just
// landed in is not kept waiting behind libtorch_cpu's second of work);
// else the next built ahead of need.
std::optional<uint32_t> UnwindLoader::next_to_build(bool &wanted)
{
	std::erase_if(wanted_, [&](uint32_t id) { return !worth_building(id, true); });
	std::optional<uint32_t> first, quick;
	for (uint32_t id : wanted_) {
		UnwindTableBuilder *b = builder_for(id);
		if (!b)
			continue;  // nothing to build: marked failed
		if (!first)
			first = id;
		if (b->remaining() <= kFdesPerStep) {
			quick = id;
			break;
		}
	}
	std::erase_if(wanted_, [&](uint32_t id) { return bins_[id].state == TableState::failed; });
	if (quick || first) {
		wanted = true;
		return quick ? quick : first;
	}
	wanted = false;
	while (background_open()) {
		uint32_t id = background_.front();
		if (worth_building(id, false) && builder_for(id))
			return id;
		background_.pop_front();
	}
	return std::nullopt;
}

// The builder of bin `id`'s table, started if need be; null when the
// binary has no table to build (the bin is then marked failed).
UnwindTableBuilder *UnwindLoader::builder_for(uint32_t id)
{
	auto it = building_.find(id);
	if (it != building_.end())
		return it->second.get();
	auto b = UnwindTableBuilder::start(bins_[id].file->elf());
	if (!b) {
		mark_failed(id, b.error().msg);
		return nullptr;
	}
	return building_.emplace(id, std::move(*b)).first->second.get();
}

void UnwindLoader::mark_failed(uint32_t id, const std::string &why)
{
	Bin &b = bins_[id];
	log::debug("no unwind table for {}: {}", b.file->name(), why);
	b.state = TableState::failed;
	b.error = why;
	write_bin(id, fp_only_bin());
}

void UnwindLoader::build_queued(Clock::time_point deadline)
{
	if (rows_fd_ < 0)
		return;
	do {
		bool wanted = false;
		auto id = next_to_build(wanted);
		if (!id)
			return;
		UnwindTableBuilder *b = building_.at(*id).get();
		auto t0 = Clock::now();
		bool done = b->step(kFdesPerStep);
		stats_.build_ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
		if (!done)
			continue;
		auto table = b->finish();
		building_.erase(*id);
		std::erase(wanted_, *id);
		load_built(*id, std::move(table), wanted);
	} while (Clock::now() < deadline);
}

// A table just built (or not): its rows placed and its bin published, or
// the bin marked as having none.
void UnwindLoader::load_built(uint32_t id, Result<UnwindTable> table, bool wanted)
{
	if (!table) {
		mark_failed(id, table.error().msg);
		return;
	}
	stats_.by_libdw += table->by_libdw;
	stats_.refused_fdes += table->refused_fdes;
	if (table->by_libdw || table->refused_fdes)
		log::debug("unwind table {}: {}{} FDE programs refused", bins_[id].file->name(),
			   table->by_libdw ? "read by libdw, " : "", table->refused_fdes);
	if (auto r = place(id, *table, wanted); !r) {
		mark_failed(id, r.error().msg);
		return;
	}
	const Bin &bin = bins_[id];
	if (bin.state == TableState::loaded)
		log::debug("unwind table {}: {} rows from {} FDEs ({} unusable)", bin.file->name(),
			   table->rows.size(), table->fdes, table->invalid_rows);
}

// Copies the table's rows and their page index into a free range,
// evicting cold tables when none is long enough, and then publishes the bin.
Result<void> UnwindLoader::place(uint32_t id, const UnwindTable &table, bool may_evict)
{
	Bin &b = bins_[id];
	std::vector<uint32_t> pcs;
	pcs.reserve(table.rows.size());
	for (const UnwindRow &r : table.rows) {
		if (r.pc > UINT32_MAX)
			return fail(ExitCode::internal, "addresses above 4 GiB");
		pcs.push_back(static_cast<uint32_t>(r.pc));
	}
	PageIndex index = build_page_index(pcs.data(), pcs.size(), page_shift_for(pcs.data(), pcs.size()));
	uint64_t slots = pcs.size() + index.pages.size();
	if (slots > alloc_->capacity())
		return fail(ExitCode::internal, "{} rows and {} index pages, more than the whole array ({})",
			    pcs.size(), index.pages.size(), alloc_->capacity());
	auto count = static_cast<uint32_t>(pcs.size());
	auto pages = static_cast<uint32_t>(index.pages.size());
	b.rows_needed = count + pages;
	auto take = [&] { return may_evict ? alloc_->take_high(b.rows_needed) : alloc_->take(b.rows_needed); };
	auto base = take();
	if (!base && may_evict && make_room(id, b.rows_needed, false))
		base = take();
	if (!base) {
		if (!may_evict)
			background_full_ = true;
		b.state = TableState::no_room;
		stats_.no_room++;
		log::debug("no unwind table for {} yet: rows array full ({} rows, {} free at most)",
			   b.file->name(), b.rows_needed, alloc_->largest_free());
		return {};
	}
	RowWindow window(rows_fd_, *base, b.rows_needed);
	xpu_unwind_row *rows = window.rows();
	if (!rows) {
		alloc_->give_back(*base, b.rows_needed);
		return sys_fail(ExitCode::environment, errno, "map {} rows of the unwind table", b.rows_needed);
	}
	for (uint32_t i = 0; i < count; i++) {
		auto rule = rule_id(table.rows[i].rule);
		if (!rule) {
			alloc_->give_back(*base, b.rows_needed);
			return std::unexpected(rule.error());
		}
		rows[i] = xpu_unwind_row{pcs[i], *rule, 0};
	}
	for (xpu_unwind_page &p : index.pages)
		if (p.count == 1)
			p.rule = rows[p.first].rule;
	static_assert(sizeof(xpu_unwind_page) == sizeof(xpu_unwind_row));
	std::memcpy(rows + count, index.pages.data(), pages * sizeof(xpu_unwind_page));
	// The bin last: once it has rows, BPF uses them. A table a walk wanted
	// counts as used now, so it is not the first one evicted; one built
	// ahead of need counts as never used until a walk uses it.
	xpu_unwind_bin kb{};
	kb.row_base = *base;
	kb.row_count = count;
	kb.used_epoch = may_evict ? unwind_epoch_now() : 0;
	kb.page_base = index.page_base;
	kb.page_count = pages;
	kb.page_shift = index.shift;
	write_bin(id, kb);
	b.state = TableState::loaded;
	b.row_base = *base;
	b.row_count = b.rows_needed;
	b.loaded_at = Clock::now();
	return {};
}

// Evicts tables to free `rows` contiguous rows: the cheapest window of the
// rows array that holds no table walks used in the last kHotEpochs, cheapest
// meaning the fewest rows of tables evicted. Tables are ranges, so only a
// contiguous window helps: evicting the coldest tables wherever they lie
// could free enough rows in total and still leave no range long enough.
// False, evicting nothing, when no such window exists; with `dry_run`, only
// whether one does.
bool UnwindLoader::make_room(uint32_t id, uint32_t rows, bool dry_run)
{
	const uint32_t now = unwind_epoch_now();
	struct Segment {
		uint32_t base, count;
		uint32_t bin;  // 0: free
		bool hot;
	};
	std::vector<Segment> segs;
	for (const auto &[base, count] : alloc_->free_ranges())
		segs.push_back({base, count, 0, false});
	int fd = bpf_map__fd(bpf_.skel().maps.unwind_bins);
	for (uint32_t i = 1; i < bins_.size(); i++) {
		if (i == id || bins_[i].state != TableState::loaded)
			continue;
		xpu_unwind_bin kb{};
		bool hot = bpf_map_lookup_elem(fd, &i, &kb) != 0 || now - kb.used_epoch <= kHotEpochs;
		segs.push_back({bins_[i].row_base, bins_[i].row_count, i, hot});
	}
	std::sort(segs.begin(), segs.end(), [](const Segment &a, const Segment &b) { return a.base < b.base; });

	// Two pointers over the segments: [lo, hi) is a run of free and cold
	// segments; shrink from the left while it stays long enough.
	size_t best_lo = 0, best_hi = 0;
	uint64_t best_cost = UINT64_MAX;
	uint64_t len = 0, cost = 0;
	for (size_t lo = 0, hi = 0; hi < segs.size();) {
		if (segs[hi].hot) {
			hi++;
			lo = hi;
			len = cost = 0;
			continue;
		}
		len += segs[hi].count;
		cost += segs[hi].bin ? segs[hi].count : 0;
		hi++;
		while (len >= rows) {
			if (cost < best_cost) {
				best_cost = cost;
				best_lo = lo;
				best_hi = hi;
			}
			len -= segs[lo].count;
			cost -= segs[lo].bin ? segs[lo].count : 0;
			lo++;
		}
	}
	if (best_cost == UINT64_MAX)
		return false;
	if (dry_run)
		return true;
	bool evicted = false;
	for (size_t k = best_lo; k < best_hi; k++) {
		if (!segs[k].bin)
			continue;
		Bin &victim = bins_[segs[k].bin];
		write_bin(segs[k].bin, xpu_unwind_bin{});  // emptied: walks fall back, and ask again
		alloc_->give_back(victim.row_base, victim.row_count);
		log::debug("unwind table {} evicted ({} rows) for {}", victim.file->name(), victim.row_count,
			   bins_[id].file->name());
		victim.state = TableState::evicted;
		victim.row_count = 0;
		stats_.evictions++;
		evicted = true;
	}
	if (evicted)
		std::this_thread::sleep_for(kGrace);
	return alloc_->largest_free() >= rows;
}

void UnwindLoader::load(pid_t pid, uint32_t gen, const std::vector<ExecMapping> &mappings)
{
	if (rows_fd_ < 0)
		return;
	xpu_unwind_proc &proc = *proc_;
	proc.count = 0;
	proc.gen = gen;
	proc.reported_ns = 0;
	for (const ExecMapping &m : mappings) {
		if (proc.count == XPU_UNWIND_MAPPINGS) {
			if (!overflow_logged_[pid])
				log::debug("pid {}: more than {} executable mappings; the rest walk frame pointers",
					   pid, XPU_UNWIND_MAPPINGS);
			overflow_logged_[pid] = true;
			break;
		}
		auto &slot = proc.m[proc.count++];
		slot.start = m.start;
		slot.end = m.end;
		slot.bias = m.bias;
		slot.bin = bin_for(m.file);
	}
	std::sort(proc.m, proc.m + proc.count, [](const auto &a, const auto &b) { return a.start < b.start; });
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

UnwindStats UnwindLoader::stats() const
{
	UnwindStats s = stats_;
	s.loaded = s.queued = s.failed = 0;
	for (size_t i = 1; i < bins_.size(); i++) {
		switch (bins_[i].state) {
		case TableState::loaded: s.loaded++; break;
		case TableState::queued: s.queued++; break;
		case TableState::failed: s.failed++; break;
		case TableState::evicted:
		case TableState::no_room: break;
		}
	}
	s.rows = alloc_ ? alloc_->used() : 0;
	return s;
}

std::map<std::string, MissingTable> UnwindLoader::missing_tables() const
{
	std::map<std::string, MissingTable> out;
	for (size_t i = 1; i < bins_.size(); i++) {
		const Bin &b = bins_[i];
		std::string why;
		switch (b.state) {
		case TableState::loaded: continue;
		case TableState::queued: why = "not built yet"; break;
		case TableState::failed: why = b.error; break;
		case TableState::evicted: why = "evicted for a table used more"; break;
		case TableState::no_room: why = "rows array full"; break;
		}
		out.emplace(label_of(b.file), MissingTable{why});
	}
	return out;
}

}  // namespace xpu
