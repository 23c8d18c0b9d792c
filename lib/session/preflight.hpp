// What must hold before any BPF is loaded, checked up front so the user gets
// one clear line (and exit code 2) instead of a libbpf error.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/error.hpp"

namespace xpu {

// What the process may do, from its effective capability set.
struct Privileges {
	bool root = false;  // effective uid 0
	bool cap_bpf = false;
	bool cap_perfmon = false;
	bool cap_sys_ptrace = false;
	bool cap_sys_admin = false;
	// Enough to load and attach the profiler's BPF programs.
	bool enough() const { return root || (cap_bpf && cap_perfmon); }
};
Privileges current_privileges();

// The exact command that grants this binary what it needs without root:
// "sudo setcap cap_bpf,...+ep /abs/path/xpu-perf".
std::string setcap_command();

// Root, or CAP_BPF + CAP_PERFMON (kernel >= 5.8) in the effective set.
Result<void> check_privileges();
// Kernel BTF, needed by CO-RE relocations and BTF tracepoints.
Result<void> check_btf();
// The processes behind -p: each pid must exist (exit code 3 otherwise); a
// thread id stands for its whole process (the sampler follows processes),
// with a warning. Duplicates are removed.
Result<std::vector<pid_t>> resolve_processes(const std::vector<pid_t> &pids);

}  // namespace xpu
