// Where this binary's man pages are, for `xpu-perf help CMD`: beside it in
// the source tree (build/xpu-perf -> man/) or installed with it
// (PREFIX/bin/xpu-perf -> PREFIX/share/man/man1/).
#pragma once

#include <optional>
#include <string>

namespace xpu {

// The page file for `page` ("xpu-perf-record"), plain or gzipped.
std::optional<std::string> find_man_page(const std::string &page);

// The first executable `name` in $PATH.
std::optional<std::string> find_program(const std::string &name);

}  // namespace xpu
