// A python3.X launcher built with --enable-shared (pyenv's, most distros'
// non-Debian builds) holds no interpreter: libpython3.X.so does. This finds
// that library the way ld.so would for `check --binary`: the DT_NEEDED
// entry, searched in DT_RUNPATH/DT_RPATH ($ORIGIN expanded), then the
// usual library directories. Not used when profiling: there the mapping
// says which file is loaded.
#pragma once

#include <optional>
#include <string>

namespace xpu {

// The path of the libpython3.X.so `path` links against, or nullopt.
std::optional<std::string> linked_libpython(const std::string &path);

}  // namespace xpu
