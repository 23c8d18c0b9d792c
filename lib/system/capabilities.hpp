// What this kernel lets the profiler do, probed without changing anything:
// each probe opens something (a perf event, a BPF program, a map) and closes
// it at once. One function per line of `xpu-perf check`.
#pragma once

#include <string>
#include <vector>

#include "system/check_item.hpp"

namespace xpu {

CheckItem probe_privileges();
CheckItem probe_kernel_version();
CheckItem probe_btf();
// Opens a sampling event on every CPU (hardware cycles, else cpu-clock), as
// record does, and closes them.
CheckItem probe_perf_event();

// The BPF program and map kinds record uses, each loaded on its own so that
// a missing one is named; then record's own programs, loaded (not attached)
// as record loads them: the probe that decides. Without privileges nothing
// can be loaded, and the lines say so.
std::vector<CheckItem> probe_bpf_features(bool privileged);

// Not used by record; reported so that a missing one is not a surprise.
CheckItem probe_kprobes();
// The socket and TCP BTF tracepoints record --net attaches to.
CheckItem probe_net_tracepoints_item();
CheckItem probe_tracefs();
CheckItem probe_lockdown();

// kernel.perf_event_paranoid and kernel.perf_event_max_stack.
CheckItem probe_perf_event_paranoid(bool privileged);
CheckItem probe_perf_event_max_stack();

// "6.18.44-fc" -> {6, 18}; {0, 0} when it cannot be read.
std::pair<int, int> parse_kernel_release(const std::string &release);

}  // namespace xpu
