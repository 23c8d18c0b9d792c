// Exit codes of the xpu-perf binary, one place for all of them (documented in
// man/xpu-perf.1, EXIT STATUS).
#pragma once

namespace xpu {

enum class ExitCode : int {
	ok = 0,
	usage = 1,             // bad flag or flag value
	environment = 2,       // not privileged, no BTF, BPF cannot load, no CUDA
	no_such_process = 3,   // a -p pid does not exist
	output = 4,            // the output file cannot be written
	internal = 5,          // a bug or an unexpected system failure
	gate = 6,              // report --fail-if/--fail-if-growth: a threshold was crossed
	not_executable = 126,  // the command exists but cannot be run (as the shell)
	not_found = 127,       // the command was not found (as the shell)
};

inline int to_int(ExitCode c) { return static_cast<int>(c); }

}  // namespace xpu
