// /proc/kallsyms: the kernel's (and loaded modules') text symbols.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace xpu {

class Ksyms {
public:
	// Parses kallsyms text: "ADDR TYPE NAME[\t[module]]" per line. Keeps text
	// symbols (types t T w W, as perf does for functions); a symbol covers
	// up to the next one, since kallsyms carries no sizes. Addresses of zero
	// are dropped: that is what a reader without CAP_SYSLOG sees under
	// kptr_restrict, and all-zero tables would resolve every address to one
	// bogus name.
	static Ksyms parse(std::string_view text);

	// Reads /proc/kallsyms a block at a time (the file is 5 MB and more;
	// the table keeps about half of it).
	static Result<Ksyms> load();

	// The symbol covering addr (module suffix dropped), or nothing. The view
	// lives as long as this table.
	std::optional<std::string_view> lookup(uint64_t addr) const;

	size_t size() const { return syms_.size(); }

private:
	// Adds the symbols of whole lines of text; returns what is left of an
	// unfinished last line.
	std::string_view add_lines(std::string_view text);
	// Sorts by address, one name per address.
	void finish();
	void reserve_for_kernel();

	// 16 bytes a symbol and one arena for the names: a kernel has 100,000+
	// text symbols, and a std::string each (40 bytes, most names past the
	// 15 bytes kept inline) made the table 12 MB of the profiler's memory.
	struct Sym {
		uint64_t addr;
		uint32_t name_off;  // into names_
		uint32_t name_len;
	};
	std::vector<Sym> syms_;  // sorted by addr once finished
	std::string names_;
};

// The kernel's build id (lowercase hex) from the ELF notes the kernel
// exports in /sys/kernel/notes: the NT_GNU_BUILD_ID note, "GNU" owned.
// "" when there is none.
std::string build_id_from_notes(std::string_view notes);
// Of the running kernel; "" when /sys/kernel/notes cannot be read.
std::string kernel_build_id();

}  // namespace xpu
