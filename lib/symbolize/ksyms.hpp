// /proc/kallsyms: the kernel's (and loaded modules') text symbols.
#pragma once

#include <cstdint>
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

	// Reads /proc/kallsyms.
	static Result<Ksyms> load();

	// The symbol covering addr (module suffix dropped), or nullptr.
	const std::string *lookup(uint64_t addr) const;

	size_t size() const { return syms_.size(); }

private:
	struct Sym {
		uint64_t addr;
		std::string name;
	};
	std::vector<Sym> syms_;  // sorted by addr, one name per address
};

}  // namespace xpu
