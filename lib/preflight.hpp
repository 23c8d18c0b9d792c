// What must hold before any BPF is loaded, checked up front so the user gets
// one clear line (and exit code 2) instead of a libbpf error.
#pragma once

#include <sys/types.h>

#include <vector>

#include "error.hpp"

namespace xpu {

// Root, or CAP_BPF + CAP_PERFMON (kernel >= 5.8) in the effective set.
Result<void> check_privileges();
// Kernel BTF, needed by CO-RE relocations and BTF tracepoints.
Result<void> check_btf();
// The processes behind -p: each pid must exist (exit code 3 otherwise); a
// thread id stands for its whole process (the sampler follows processes),
// with a warning. Duplicates are removed.
Result<std::vector<pid_t>> resolve_processes(const std::vector<pid_t> &pids);

}  // namespace xpu
