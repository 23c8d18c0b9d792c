// The fallback GPU source for processes xpu-perf did not start (-p): no
// injector can be loaded into them, so uprobes on the CUDA API's launch
// entry points take the launching stacks instead. That gives where and how
// often kernels are launched, not how long they run on the GPU.
//
// Probed: the runtime's entry points in the process's libcudart (or in the
// executable, where nvcc linked the runtime statically), else the driver's
// in libcuda (programs that launch through the driver API, e.g. Triton).
// Not both: a runtime launch calls the driver's, and would count twice.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace xpu {

// The entry points, runtime then driver; a probe's attach cookie is its
// index here, so the launch record says which one fired.
const std::vector<std::string> &cuda_entry_points();
bool is_driver_entry_point(size_t index);

// The files of `pids` whose entry points to probe, each once: every
// process's libcudart, or its executable when that defines
// cudaLaunchKernel (static runtime), or else its libcuda.
std::vector<std::string> cuda_entry_files(const std::vector<pid_t> &pids);

}  // namespace xpu
