// A build id as tools print it (readelf -n, perf buildid-list, pprof's
// mappings): lowercase hex of the note's bytes. Shared by the ELF reader
// (a binary's NT_GNU_BUILD_ID) and ksyms (the kernel's, from
// /sys/kernel/notes), which must not need libelf for it.
#pragma once

#include <cstddef>
#include <string>

namespace xpu {

std::string build_id_hex(const void *p, size_t n);

}  // namespace xpu
