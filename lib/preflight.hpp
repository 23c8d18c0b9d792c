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
// Each pid exists (exit code 3 otherwise).
Result<void> check_pids_exist(const std::vector<pid_t> &pids);

}  // namespace xpu
