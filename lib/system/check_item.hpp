// One line of `xpu-perf check`: a capability of this machine, whether it is
// there, and what to do when it is not. The names are stable keys (the JSON
// output is an interface, documented in xpu-perf-check(1)).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace xpu {

enum class CheckStatus {
	ok,       // present and usable
	missing,  // absent or refused; `fix` says how to get it
	info,     // reported for the reader, neither good nor bad (GPUs, sysctls)
};

const char *to_string(CheckStatus s);

struct CheckItem {
	std::string name;    // stable key: "privileges", "btf", "bpf_ringbuf", ...
	CheckStatus status = CheckStatus::info;
	bool needed = false;  // `record` cannot run while this is missing
	std::string detail;   // what was found, one line
	std::string fix;      // how to get it when missing; "" otherwise
	// Numbers a script may want (kernel version, function counts), in order.
	std::vector<std::pair<std::string, long long>> values;
};

inline CheckItem make_item(std::string name, CheckStatus status, bool needed, std::string detail,
			   std::string fix = {})
{
	return {std::move(name), status, needed, std::move(detail), std::move(fix), {}};
}

}  // namespace xpu
