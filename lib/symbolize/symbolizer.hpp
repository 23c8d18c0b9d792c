// Turns raw stack addresses into frame names, batched per process and cached
// per file (build-id): ELF .symtab/.dynsym (libelf), DWARF names and inline
// chains (libdw), C++ demangling, /proc/kallsyms for the kernel and
// /tmp/perf-PID.map for JIT code.
//
// Address spaces are snapshotted while the process lives (snapshot()), and
// the mapped files are opened then, so a profile written after the target
// exited, or after a file was replaced on disk, still resolves.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <string>
#include <vector>

namespace xpu {

struct SymbolizeOptions {
	bool inlines = false;   // add inlined callees as frames suffixed "_[i]"
	bool demangle = true;   // C++ names demangled (full signature, as perf)
	bool python_lines = true;         // Python frames as "f (file.py:LINE)", else "f (file.py)"
	bool python_interpreter = false;  // keep the eval-loop frame under its Python frames
	// Keep each executable mapping's CodeMapping (path, build id), for
	// user_stack()'s `where` (record --pprof); without it user frames come
	// with their addresses but no mapping.
	bool mappings = false;
};

// Counters a profile footer reports.
struct SymbolizeStats {
	uint64_t frames = 0;          // user + kernel frames resolved
	uint64_t unknown_frames = 0;  // frames printed as [unknown] or [lib.so]
	uint64_t processes = 0;       // address spaces snapshotted
	uint64_t files = 0;           // distinct files opened (cache size)
};

class ElfFile;

// An executable mapping as pprof's Mapping wants it: [start, end) holds the
// file's bytes from `offset` (/proc/PID/maps), the file's path and build id.
struct CodeMapping {
	uint64_t start = 0;
	uint64_t end = 0;
	uint64_t offset = 0;
	std::string path;      // "/usr/lib/libc.so.6", "[vdso]", "" (anonymous: JIT code), "[kernel]"
	std::string build_id;  // lowercase hex; "" when none
	bool main_binary = false;  // the process's own executable (/proc/PID/exe)
};

// Where a frame of user_stack() or kernel_stack() came from, for writers
// that keep addresses (pprof). The frames of one address (a function and
// the callees inlined into it) share one.
struct FrameAddress {
	uint64_t addr = 0;  // the address looked up (a caller's: its return address - 1); 0: none
	// The mapping holding addr; null for a Python frame or an address in
	// no known mapping. Valid until the address space is forget()-ten.
	const CodeMapping *mapping = nullptr;
};

// An executable file mapping of a snapshotted address space, for the
// unwinder: the ELF virtual address of pc is pc - bias.
struct ExecMapping {
	uint64_t start = 0;
	uint64_t end = 0;
	uint64_t bias = 0;
	ElfFile *file = nullptr;  // owned by the Symbolizer's file cache
};

class Symbolizer {
public:
	explicit Symbolizer(SymbolizeOptions opts = {});
	~Symbolizer();
	Symbolizer(const Symbolizer &) = delete;
	Symbolizer &operator=(const Symbolizer &) = delete;

	// Reads /proc/PID/maps now and opens every executable file mapping
	// (through /proc/PID/map_files, so deleted files and other mount
	// namespaces work). `gen` names one address space of the process: the
	// sampler hands out a new number at every exec (unique in the session,
	// so a recycled pid never meets an old map), and samples taken before
	// and after an exec resolve against the maps they ran with. Calling it
	// again for the same (pid, gen) adds mappings that appeared since
	// (dlopen). Returns false when the process is already gone.
	bool snapshot(pid_t pid, uint32_t gen);

	// A process forked from parent: until (child, child_gen) has a snapshot
	// of its own, resolve it with the parent's (identical) maps. A fork's
	// child may exit before anyone can read its maps.
	void inherit(pid_t child, uint32_t child_gen, pid_t parent, uint32_t parent_gen);

	// The address spaces (pid, gen) held for pid now: snapshotted or
	// inherit()ed. A session asks at the process's exit and forgets them
	// once the stacks sampled before the exit are symbolized.
	std::vector<std::pair<pid_t, uint32_t>> address_spaces(pid_t pid) const;
	// Drops an address space of an exited process (and its perf map, with
	// the process's last one). An address space an inherit()ed child still
	// resolves through is kept until that child is forgotten too. The files
	// stay cached: other processes map them too.
	void forget(pid_t pid, uint32_t gen);

	// User stack, `ips` leaf first (as bpf_get_stack returns them). Returns
	// frames root first, ready to be joined with ';' (every name has been
	// through make_frame_safe(), demangle.hpp). ips[0] is the exact
	// sampled pc; the others are return addresses and are looked up at
	// ip-1 so a call at the very end of a function resolves to it.
	// Unresolvable frames come out as "[lib.so]" when the mapping is known
	// (stackcollapse-perf.pl's convention) and "[unknown]" otherwise.
	// A zero ip ends the stack (no code lives at 0; bpf_get_stack zero-
	// fills the rest of its buffer). Only
	// snapshot()ed or inherit()ed address spaces resolve.
	// With `where`, each frame's address and mapping (with the mappings
	// option) are appended to it (one per frame returned; a Python frame's
	// is FrameAddress{}).
	std::vector<std::string> user_stack(pid_t pid, uint32_t gen, std::span<const uint64_t> ips,
					    std::vector<FrameAddress> *where = nullptr);

	// Reads the code objects of the Python frames in `ips` (bpf/python.h)
	// now, while the process lives; user_stack() names them later.
	void read_python_frames(pid_t pid, uint32_t gen, std::span<const uint64_t> ips);

	// Kernel stack, `ips` leaf first; frames root first with the "_[k]"
	// suffix. /proc/kallsyms is read on first use. Return addresses and
	// zero ips are treated as in user_stack; an address no kernel symbol
	// covers is "[kernel.kallsyms]_[k]" (what stackcollapse-perf.pl --all
	// makes of perf's "[unknown] ([kernel.kallsyms])").
	// With `where`, as user_stack(); kernel frames lie in one "[kernel]"
	// mapping (the upper half of the address space) with the running
	// kernel's build id.
	std::vector<std::string> kernel_stack(std::span<const uint64_t> ips,
					      std::vector<FrameAddress> *where = nullptr);

	// Starts reading /proc/kallsyms on a thread of its own. Reading it
	// takes tens of milliseconds (the kernel formats ~100k lines); done
	// while the target runs, it is off the path from the target's exit to
	// the written profile. kernel_stack() waits for it.
	void preload_kernel_symbols();

	// The executable file mappings of (pid, gen) as last snapshotted,
	// sorted by start: what the in-kernel unwinder needs to know.
	std::vector<ExecMapping> exec_mappings(pid_t pid, uint32_t gen);
	// The ELF file at `path`, opened into the same cache the processes'
	// mappings use (so the same file is the same ElfFile): a command's
	// executable, before it runs. Null when it is not a readable ELF file.
	ElfFile *open_path(const std::string &path);

	// The "[lib.so]" label of the mapping holding addr ("" when none).
	std::string module_of(pid_t pid, uint32_t gen, uint64_t addr);

	SymbolizeStats stats() const;

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

}  // namespace xpu
