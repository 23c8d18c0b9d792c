// The Symbolizer: address spaces per (pid, exec generation) from
// /proc/PID/maps snapshots, one ElfFile per distinct file shared by every
// process that maps it, and a per-(file, address) cache of finished frames.
// Not thread-safe: one owner calls it.
#include "symbolize/symbolizer.hpp"

#include "python/python_code.hpp"
#include "python/python_detector.hpp"

#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <climits>
#include <future>
#include <map>
#include <set>
#include <optional>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "symbolize/demangle.hpp"
#include "symbolize/elf_file.hpp"
#include "symbolize/ksyms.hpp"
#include "base/log.hpp"
#include "symbolize/perf_map.hpp"
#include "symbolize/proc_maps.hpp"
#include "base/range_map.hpp"

namespace xpu {

namespace {

// perf's and stackcollapse-perf.pl's spellings.
constexpr const char *unknown_frame = "[unknown]";
constexpr const char *inline_suffix = "_[i]";
constexpr const char *kernel_suffix = "_[k]";
// A kernel address that no kallsyms symbol covers (or all of kallsyms read
// as zeros: not root under kptr_restrict). perf prints such a frame as
// "[unknown] ([kernel.kallsyms])" and stackcollapse-perf.pl --all turns
// that into the module name with the kernel suffix; so do we, which keeps
// the frame visibly a kernel one in a flame graph.
constexpr const char *unknown_kernel_frame = "[kernel.kallsyms]_[k]";

struct FileEntry {
	std::unique_ptr<ElfFile> elf;
	// Finished frames per ELF address, outermost first; empty: no symbol.
	std::unordered_map<uint64_t, std::vector<std::string>> cache;
};

// One mapping of an address space. RangeMap may trim a region when a later
// snapshot overlaps it, so the translation keeps the mapping's own start.
struct Region {
	uint64_t start = 0;   // where the mapping started
	uint64_t offset = 0;  // file offset mapped at `start`
	FileEntry *file = nullptr;  // null: anonymous, not executable, or unreadable
	bool jit = false;           // executable without an ELF: ask the perf map
	bool exec = false;          // mapped executable
	uint64_t dev = 0, inode = 0;  // of the mapped file, to know it again
	std::string label;          // "[libc.so.6]", "[vdso]"; "" when anonymous
	// What pprof's Mapping says of it; null unless executable and asked
	// for (SymbolizeOptions::mappings). Shared by the pieces a trimmed
	// region leaves (their frames are one mapping's).
	std::shared_ptr<const CodeMapping> code;
};

using AddressSpace = RangeMap<Region>;

// Identity of an opened file, cheaper to get than its build-id: a second
// process mapping the same libc costs an fstat, not an ELF parse. Size and
// mtime guard against an inode number reused by a replacing file.
struct StatKey {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	bool operator==(const StatKey &) const = default;
};

struct StatKeyHash {
	size_t operator()(const StatKey &k) const
	{
		size_t h = std::hash<uint64_t>()(k.ino);
		h ^= std::hash<uint64_t>()(k.dev) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
		h ^= std::hash<int64_t>()(k.mtime_ns) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
		return h;
	}
};

struct PerfMapState {
	PerfMap map;
	uint64_t refreshed_in = 0;  // the user_stack() call that last refreshed it
};

uint64_t mapping_dev(const Mapping &m) { return uint64_t(m.dev_major) << 32 | m.dev_minor; }

std::string make_label(const Mapping &m)
{
	if (m.path.empty() || m.path.starts_with("[anon:"))
		return {};
	std::string_view base = m.basename();
	if (base.starts_with('['))
		return std::string(base);
	return fmt::format("[{}]", base);
}

// A file descriptor for the file behind a mapping. /proc/PID/map_files
// gives the very file that is mapped (deleted, replaced, or in another
// mount namespace) but needs CAP_SYS_ADMIN; the paths are fallbacks that
// are right as long as the file was not replaced.
int open_mapped_file(pid_t pid, const Mapping &m)
{
	std::string mf = fmt::format("/proc/{}/map_files/{:x}-{:x}", pid, m.start, m.end);
	int fd = ::open(mf.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (m.deleted()) {
		// The path now names another file, if any; but the executable
		// itself stays reachable without privileges through /proc/PID/exe.
		std::string exe = fmt::format("/proc/{}/exe", pid);
		char target[PATH_MAX];
		ssize_t n = readlink(exe.c_str(), target, sizeof(target));
		if (n > 0 && std::string_view(target, static_cast<size_t>(n)) == m.path)
			return ::open(exe.c_str(), O_RDONLY | O_CLOEXEC);
		return -1;
	}
	std::string_view path = m.file_path();
	for (const std::string &p :
	     {fmt::format("/proc/{}/root{}", pid, path), std::string(path)}) {
		fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct stat st;
		// Same device, other inode: the file was replaced since it was
		// mapped. (Across devices, e.g. overlayfs, inodes do not compare.)
		if (fstat(fd, &st) == 0 && st.st_dev == makedev(m.dev_major, m.dev_minor) &&
		    st.st_ino != m.inode) {
			log::debug("pid {}: {} was replaced since it was mapped", pid, p);
			::close(fd);
			continue;
		}
		return fd;
	}
	return -1;
}

// The [vdso] image is the kernel's and identical in every 64-bit process of
// this machine, so our own copy symbolizes everyone's.
std::unique_ptr<ElfFile> open_own_vdso()
{
	auto base = getauxval(AT_SYSINFO_EHDR);
	auto maps = read_proc_maps(getpid());
	if (!base || !maps)
		return nullptr;
	for (const Mapping &m : *maps) {
		if (m.path != "[vdso]" || m.start != base)
			continue;
		auto f = ElfFile::open_memory(
			{reinterpret_cast<const char *>(m.start), m.end - m.start}, "[vdso]");
		return f ? std::move(*f) : nullptr;
	}
	return nullptr;
}

// The mapping's description for FrameAddress; `exe` is /proc/PID/exe's target.
std::shared_ptr<const CodeMapping> code_mapping(const Mapping &m, const FileEntry *file,
						 const std::string &exe)
{
	auto c = std::make_shared<CodeMapping>();
	c->start = m.start;
	c->end = m.end;
	c->offset = m.offset;
	c->path = m.file_backed() ? std::string(m.file_path()) : m.path;
	c->build_id = file && file->elf ? file->elf->build_id() : "";
	c->main_binary = !exe.empty() && m.path == exe;
	return c;
}

std::string exe_path(pid_t pid)
{
	char target[PATH_MAX];
	ssize_t n = readlink(fmt::format("/proc/{}/exe", pid).c_str(), target, sizeof(target));
	return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
}

size_t stack_depth(std::span<const uint64_t> ips)
{
	size_t n = 0;
	while (n < ips.size() && ips[n] != 0)
		n++;
	return n;
}

}  // namespace

struct Symbolizer::Impl {
	SymbolizeOptions opts;
	SymbolizeStats stats;

	std::map<std::pair<pid_t, uint32_t>, AddressSpace> spaces;
	std::map<std::pair<pid_t, uint32_t>, std::pair<pid_t, uint32_t>> parents;  // inherit()
	std::set<std::pair<pid_t, uint32_t>> forgotten;  // exited; kept while a child links here
	std::unordered_map<std::string, std::unique_ptr<FileEntry>> files;  // build-id or dev:ino
	std::unordered_map<StatKey, FileEntry *, StatKeyHash> by_stat;      // null: not an ELF
	std::unordered_map<pid_t, PerfMapState> perf_maps;
	uint64_t stack_calls = 0;  // user_stack() calls so far

	bool vdso_tried = false;
	FileEntry *vdso = nullptr;

	// Raw name -> finished frame name: a function is seen at many addresses,
	// and __cxa_demangle costs microseconds for a long C++ name.
	std::unordered_map<std::string, std::string> names;

	// Python frames (bpf/python.h): interpreters per file, code objects
	// per (pid, address).
	PythonDetector python_bins;
	PyCodeReader python;
	void note_python(pid_t pid, uint32_t gen);

	bool ksyms_tried = false;
	Ksyms ksyms;
	std::future<Result<Ksyms>> ksyms_loading;  // from preload_kernel_symbols()
	std::unordered_map<uint64_t, std::string> kernel_cache;
	std::optional<CodeMapping> kernel_mapping;  // made when first asked for
	const CodeMapping *kernel_code();

	bool snapshot(pid_t pid, uint32_t gen);
	std::vector<std::pair<pid_t, uint32_t>> address_spaces(pid_t pid) const;
	void forget(pid_t pid, uint32_t gen);
	Region make_region(pid_t pid, const Mapping &m, const std::string &exe);
	FileEntry *open_file(pid_t pid, const Mapping &m);
	FileEntry *file_for_fd(int fd, std::string name);
	FileEntry *add_file(std::unique_ptr<ElfFile> elf, const StatKey &key);
	FileEntry *vdso_file();
	PerfMapState &refresh_perf_map(pid_t pid);
	const AddressSpace *space_for(pid_t pid, uint32_t gen) const;
	const std::vector<std::string> &frames_for(FileEntry &f, uint64_t vaddr);
	const std::string &frame_name(const std::string &raw);
	const Region *resolve_user(const AddressSpace *space, pid_t pid, uint64_t addr,
				   std::vector<std::string> &out);
	std::vector<std::string> user_stack(pid_t pid, uint32_t gen, std::span<const uint64_t> ips,
					    std::vector<FrameAddress> *where);
	std::vector<std::string> kernel_stack(std::span<const uint64_t> ips,
					      std::vector<FrameAddress> *where);
	void push_unknown(std::vector<std::string> &out, const std::string &label);
};

bool Symbolizer::Impl::snapshot(pid_t pid, uint32_t gen)
{
	auto maps = read_proc_maps(pid);
	if (!maps) {
		log::debug("snapshot pid {}: {}", pid, maps.error().msg);
		return false;
	}
	if (maps->empty())
		return false;  // a zombie or a kernel thread: no address space to keep
	AddressSpace &space = spaces[{pid, gen}];
	const std::string exe = opts.mappings ? exe_path(pid) : std::string();
	bool has_jit = false;
	for (const Mapping &m : *maps) {
		// A re-read mostly finds the mappings of the last one: keep those
		// as they were instead of opening their files again.
		const Region *old = space.find(m.start);
		Region r = old && old->start == m.start && old->offset == m.offset &&
				   old->inode == m.inode && old->dev == mapping_dev(m) &&
				   old->exec == m.executable() && old->label == make_label(m)
			       ? *old
			       : make_region(pid, m, exe);
		has_jit |= r.jit;
		space.assign(m.start, m.end, std::move(r));
	}
	// Read the perf map while the process is alive to read it: JITs
	// commonly delete it at exit, before a profile is symbolized.
	if (has_jit)
		refresh_perf_map(pid);
	stats.processes = spaces.size();
	return true;
}

std::vector<std::pair<pid_t, uint32_t>> Symbolizer::Impl::address_spaces(pid_t pid) const
{
	std::vector<std::pair<pid_t, uint32_t>> out;
	for (auto it = spaces.lower_bound({pid, 0}); it != spaces.end() && it->first.first == pid; ++it)
		out.push_back(it->first);
	for (auto it = parents.lower_bound({pid, 0}); it != parents.end() && it->first.first == pid;
	     ++it)
		out.push_back(it->first);
	return out;
}

void Symbolizer::Impl::forget(pid_t pid, uint32_t gen)
{
	std::pair<pid_t, uint32_t> key{pid, gen};
	parents.erase(key);
	// pending: spaces kept only for children that inherit()ed them.
	forgotten.insert(key);
	// Drop every forgotten space no remaining link points at; links are
	// few (children not yet snapshotted), so a scan is cheap.
	std::set<std::pair<pid_t, uint32_t>> linked;
	for (const auto &[child, parent] : parents)
		linked.insert(parent);
	for (auto it = forgotten.begin(); it != forgotten.end();) {
		if (linked.contains(*it)) {
			++it;
			continue;
		}
		spaces.erase(*it);
		it = forgotten.erase(it);
	}
	auto left = spaces.lower_bound({pid, 0});
	if (left == spaces.end() || left->first.first != pid)
		perf_maps.erase(pid);
	stats.processes = spaces.size();
}

Region Symbolizer::Impl::make_region(pid_t pid, const Mapping &m, const std::string &exe)
{
	Region r;
	r.start = m.start;
	r.offset = m.offset;
	r.label = make_label(m);
	r.exec = m.executable();
	r.dev = mapping_dev(m);
	r.inode = m.inode;
	if (!m.executable())
		return r;
	if (m.path == "[vdso]")
		r.file = vdso_file();
	else if (m.file_backed())
		r.file = open_file(pid, m);
	r.jit = !r.file && m.path != "[vdso]" && m.path != "[vsyscall]";
	if (opts.mappings)
		r.code = code_mapping(m, r.file, exe);
	return r;
}

FileEntry *Symbolizer::Impl::open_file(pid_t pid, const Mapping &m)
{
	int fd = open_mapped_file(pid, m);
	FileEntry *f = fd >= 0 ? file_for_fd(fd, std::string(m.file_path())) : nullptr;
	if (fd < 0)
		log::debug("pid {}: cannot open {}", pid, m.path);
	return f;
}

// The cached file `fd` is (by device, inode, size and mtime), else parsed
// and cached; takes `fd`. Null when it is not an ELF file (remembered, so
// it is not parsed again for the next process).
FileEntry *Symbolizer::Impl::file_for_fd(int fd, std::string name)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		::close(fd);
		return nullptr;
	}
	StatKey key{st.st_dev, st.st_ino, st.st_size,
		    int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
	if (auto it = by_stat.find(key); it != by_stat.end()) {
		::close(fd);
		return it->second;
	}
	auto elf = ElfFile::open(fd, std::move(name));
	if (!elf) {
		log::debug("{}", elf.error().msg);
		by_stat[key] = nullptr;
		return nullptr;
	}
	return add_file(std::move(*elf), key);
}

// Files are shared by build-id, so a library seen through two paths (a
// container's copy and the host's) is parsed once; without one, by device
// and inode.
FileEntry *Symbolizer::Impl::add_file(std::unique_ptr<ElfFile> elf, const StatKey &key)
{
	std::string id = elf->build_id().empty()
				 ? fmt::format("inode:{}:{}:{}", key.dev, key.ino, key.mtime_ns)
				 : "build-id:" + elf->build_id();
	auto &slot = files[id];
	if (!slot) {
		slot = std::make_unique<FileEntry>();
		slot->elf = std::move(elf);
		stats.files = files.size();
	}
	by_stat[key] = slot.get();
	return slot.get();
}

FileEntry *Symbolizer::Impl::vdso_file()
{
	if (vdso_tried)
		return vdso;
	vdso_tried = true;
	auto elf = open_own_vdso();
	if (!elf) {
		log::debug("cannot read this process's [vdso]; vdso frames stay [vdso]");
		return nullptr;
	}
	auto &slot = files["vdso"];
	slot = std::make_unique<FileEntry>();
	slot->elf = std::move(elf);
	stats.files = files.size();
	return vdso = slot.get();
}

// Reads only what the JIT appended since the last time. A failed read keeps
// what was read before (the JIT may have exited and removed its map since).
PerfMapState &Symbolizer::Impl::refresh_perf_map(pid_t pid)
{
	PerfMapState &st = perf_maps[pid];
	st.refreshed_in = stack_calls;
	if (auto r = st.map.refresh(pid); !r)
		log::debug("pid {}: {}", pid, r.error().msg);
	return st;
}

const AddressSpace *Symbolizer::Impl::space_for(pid_t pid, uint32_t gen) const
{
	// Follow inherit() links up a bounded chain (a fork of a fork).
	for (int depth = 0; depth < 64; depth++) {
		if (auto it = spaces.find({pid, gen}); it != spaces.end())
			return &it->second;
		auto parent = parents.find({pid, gen});
		if (parent == parents.end())
			return nullptr;
		std::tie(pid, gen) = parent->second;
	}
	return nullptr;
}

const std::vector<std::string> &Symbolizer::Impl::frames_for(FileEntry &f, uint64_t vaddr)
{
	auto [it, fresh] = f.cache.try_emplace(vaddr);
	if (!fresh)
		return it->second;
	RawFrames raw;
	if (!f.elf->frames_at(vaddr, opts.inlines, raw))
		return it->second;  // cached as "no symbol"
	it->second.push_back(frame_name(raw.function));
	for (const std::string &callee : raw.inlined)
		it->second.push_back((callee.empty() ? unknown_frame : frame_name(callee)) +
				     inline_suffix);
	return it->second;
}

const std::string &Symbolizer::Impl::frame_name(const std::string &raw)
{
	auto [it, fresh] = names.try_emplace(raw);
	if (fresh) {
		it->second = opts.demangle ? demangle(raw) : raw;
		make_frame_safe(it->second);
	}
	return it->second;
}

void Symbolizer::Impl::push_unknown(std::vector<std::string> &out, const std::string &label)
{
	out.push_back(label.empty() ? unknown_frame : label);
	stats.unknown_frames++;
	stats.frames++;
}

// Appends the frames at addr; returns the region holding it (null: none).
const Region *Symbolizer::Impl::resolve_user(const AddressSpace *space, pid_t pid, uint64_t addr,
					     std::vector<std::string> &out)
{
	const Region *r = space ? space->find(addr) : nullptr;
	if (!r) {
		push_unknown(out, {});
		return r;
	}
	if (r->file) {
		std::optional<uint64_t> vaddr =
		    r->file->elf->offset_to_vaddr(addr - r->start + r->offset);
		if (vaddr) {
			const std::vector<std::string> &frames = frames_for(*r->file, *vaddr);
			out.insert(out.end(), frames.begin(), frames.end());
			stats.frames += frames.size();
			if (!frames.empty())
				return r;
		}
	} else if (r->jit) {
		// A miss re-reads the map (code compiled after the last read),
		// at most once per stack: interpreter frames miss every time.
		auto it = perf_maps.find(pid);
		PerfMapState &st = it != perf_maps.end() ? it->second : refresh_perf_map(pid);
		auto name = st.map.lookup(addr);
		if (!name && st.refreshed_in != stack_calls) {
			refresh_perf_map(pid);
			name = st.map.lookup(addr);
		}
		if (name) {
			std::string s(*name);
			make_frame_safe(s);
			out.push_back(std::move(s));
			stats.frames++;
			return r;
		}
	}
	push_unknown(out, r->label);
	return r;
}

// The interpreter's offsets for reading pid's code objects.
void Symbolizer::Impl::note_python(pid_t pid, uint32_t gen)
{
	std::vector<ExecMapping> maps;
	const AddressSpace *space = space_for(pid, gen);
	if (!space)
		return;
	for (const auto &[start, range] : *space)
		if (range.value.file && range.value.file->elf)
			maps.push_back({start, range.end, 0, range.value.file->elf.get()});
	auto found = python_bins.find(maps);
	if (found.binary && found.binary->offsets)
		python.set_offsets(pid, found.binary->offsets);
}

std::vector<std::string> Symbolizer::Impl::user_stack(pid_t pid, uint32_t gen,
						      std::span<const uint64_t> ips,
						      std::vector<FrameAddress> *where)
{
	const AddressSpace *space = space_for(pid, gen);
	stack_calls++;
	std::vector<std::string> out;
	size_t n = stack_depth(ips);
	out.reserve(n);
	for (size_t i = n; i-- > 0;) {
		if (is_python_frame(ips[i])) {
			if (!python.offsets(pid))
				note_python(pid, gen);
			out.push_back(python.frame(pid, ips[i], opts.python_lines));
			stats.frames++;
			if (where)
				where->emplace_back();
			continue;
		}
		// py-spy's merge rule: the eval-loop frame under the Python
		// frames it ran is those frames.
		if (!opts.python_interpreter && i + 1 < n && is_python_frame(ips[i + 1]))
			continue;
		// Return addresses point after the call, which may be the first
		// byte of the next function; the call itself is at ip-1.
		uint64_t addr = i == 0 ? ips[i] : ips[i] - 1;
		size_t before = out.size();
		const Region *r = resolve_user(space, pid, addr, out);
		if (where)
			where->resize(where->size() + out.size() - before,
				      FrameAddress{addr, r ? r->code.get() : nullptr});
	}
	return out;
}

const CodeMapping *Symbolizer::Impl::kernel_code()
{
	if (!kernel_mapping) {
		kernel_mapping.emplace();
		kernel_mapping->start = uint64_t(1) << 63;
		kernel_mapping->end = UINT64_MAX;
		kernel_mapping->path = "[kernel]";
		kernel_mapping->build_id = kernel_build_id();
	}
	return &*kernel_mapping;
}

std::vector<std::string> Symbolizer::Impl::kernel_stack(std::span<const uint64_t> ips,
							std::vector<FrameAddress> *where)
{
	if (!ksyms_tried) {
		ksyms_tried = true;
		if (auto k = ksyms_loading.valid() ? ksyms_loading.get() : Ksyms::load())
			ksyms = std::move(*k);
		else
			log::debug("{}", k.error().msg);
		if (ksyms.size() == 0)
			log::debug("no kernel symbols (not root?); kernel frames print as {}",
				   unknown_kernel_frame);
	}
	std::vector<std::string> out;
	size_t n = stack_depth(ips);
	out.reserve(n);
	for (size_t i = n; i-- > 0;) {
		uint64_t addr = i == 0 ? ips[i] : ips[i] - 1;  // as in user_stack
		auto [it, fresh] = kernel_cache.try_emplace(addr);
		if (fresh) {
			auto name = ksyms.lookup(addr);
			// Below an interrupt frame the kernel stack holds the exact
			// interrupted pc, not a return address; at a function's first
			// byte, pc-1 lands in the "__pfx_" padding before it, which is
			// never executed. Take the pc itself then.
			if (name && name->starts_with("__pfx_"))
				name = ksyms.lookup(ips[i]);
			it->second = name ? std::string(*name) + kernel_suffix : unknown_kernel_frame;
			make_frame_safe(it->second);
		}
		out.push_back(it->second);
		if (where)
			where->push_back({addr, kernel_code()});
		stats.frames++;
		stats.unknown_frames += it->second == unknown_kernel_frame;
	}
	return out;
}

Symbolizer::Symbolizer(SymbolizeOptions opts) : impl_(std::make_unique<Impl>())
{
	impl_->opts = opts;
}

Symbolizer::~Symbolizer() = default;

// The public entry points never throw: the only exceptions below are
// allocation failures, and a profile with [unknown] frames beats none.
bool Symbolizer::snapshot(pid_t pid, uint32_t gen)
{
	try {
		return impl_->snapshot(pid, gen);
	} catch (const std::exception &e) {
		log::debug("snapshot pid {}: {}", pid, e.what());
		return false;
	}
}

void Symbolizer::inherit(pid_t child, uint32_t child_gen, pid_t parent, uint32_t parent_gen)
{
	try {
		if (std::pair(child, child_gen) != std::pair(parent, parent_gen))
			impl_->parents[{child, child_gen}] = {parent, parent_gen};
	} catch (const std::exception &e) {
		log::debug("inherit pid {}: {}", child, e.what());
	}
}

std::vector<std::pair<pid_t, uint32_t>> Symbolizer::address_spaces(pid_t pid) const
{
	try {
		return impl_->address_spaces(pid);
	} catch (const std::exception &e) {
		log::debug("address spaces of pid {}: {}", pid, e.what());
		return {};
	}
}

void Symbolizer::forget(pid_t pid, uint32_t gen)
{
	try {
		impl_->forget(pid, gen);
	} catch (const std::exception &e) {
		log::debug("forget pid {}: {}", pid, e.what());
	}
}

void Symbolizer::read_python_frames(pid_t pid, uint32_t gen, std::span<const uint64_t> ips)
{
	try {
		for (uint64_t ip : ips) {
			if (!is_python_frame(ip))
				continue;
			if (!impl_->python.offsets(pid))
				impl_->note_python(pid, gen);
			impl_->python.code(pid, ip);
		}
	} catch (const std::exception &e) {
		log::debug("read python frames pid {}: {}", pid, e.what());
	}
}

ElfFile *Symbolizer::open_path(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	// Not an ELF file (a script, say): the interpreter's mapping comes later.
	FileEntry *f = fd >= 0 ? impl_->file_for_fd(fd, path) : nullptr;
	return f ? f->elf.get() : nullptr;
}

std::vector<ExecMapping> Symbolizer::exec_mappings(pid_t pid, uint32_t gen)
{
	std::vector<ExecMapping> out;
	try {
		const AddressSpace *space = impl_->space_for(pid, gen);
		if (!space)
			return out;
		for (const auto &[start, range] : *space) {
			const Region &r = range.value;
			if (!r.file || !r.file->elf)
				continue;
			// The region may have been trimmed by a later snapshot: the
			// translation uses where the mapping itself started.
			auto v0 = r.file->elf->offset_to_vaddr(r.offset);
			if (!v0)
				continue;
			out.push_back({start, range.end, r.start - *v0, r.file->elf.get()});
		}
	} catch (const std::exception &e) {
		log::debug("exec_mappings pid {}: {}", pid, e.what());
	}
	return out;
}

std::string Symbolizer::module_of(pid_t pid, uint32_t gen, uint64_t addr)
{
	const AddressSpace *space = impl_->space_for(pid, gen);
	const Region *r = space ? space->find(addr) : nullptr;
	return r ? r->label : std::string();
}

void Symbolizer::preload_kernel_symbols()
{
	if (impl_->ksyms_tried || impl_->ksyms_loading.valid())
		return;
	try {
		impl_->ksyms_loading = std::async(std::launch::async, [] { return Ksyms::load(); });
	} catch (const std::exception &e) {  // no thread: kernel_stack() reads it then
		log::debug("preload kallsyms: {}", e.what());
	}
}

std::vector<std::string> Symbolizer::user_stack(pid_t pid, uint32_t gen,
						std::span<const uint64_t> ips,
						std::vector<FrameAddress> *where)
{
	size_t kept = where ? where->size() : 0;
	try {
		return impl_->user_stack(pid, gen, ips, where);
	} catch (const std::exception &e) {
		log::debug("user stack pid {}: {}", pid, e.what());
		if (where)
			where->resize(kept);
		return {};
	}
}

std::vector<std::string> Symbolizer::kernel_stack(std::span<const uint64_t> ips,
						  std::vector<FrameAddress> *where)
{
	size_t kept = where ? where->size() : 0;
	try {
		return impl_->kernel_stack(ips, where);
	} catch (const std::exception &e) {
		log::debug("kernel stack: {}", e.what());
		if (where)
			where->resize(kept);
		return {};
	}
}

SymbolizeStats Symbolizer::stats() const { return impl_->stats; }

}  // namespace xpu
