// What this machine offers the GPU side: the NVIDIA driver, the CUDA runtime,
// CUPTI and the GPUs. Informational lines of `xpu-perf check`: record needs
// none of them, and "none" is a fine answer on a machine without a GPU.
#pragma once

#include <string>
#include <vector>

#include "system/check_item.hpp"

namespace xpu {

std::vector<CheckItem> probe_cuda();

// The first `name` (e.g. "libcuda.so.1") in the dynamic linker's usual
// places: LD_LIBRARY_PATH, /etc/ld.so.conf.d, the system and CUDA
// directories. A trailing '*' matches any suffix ("libcudart.so.*").
std::string find_library(const std::string &name);

// A CUDA version number (12040) as text ("12.4").
std::string cuda_version_text(int v);

}  // namespace xpu
