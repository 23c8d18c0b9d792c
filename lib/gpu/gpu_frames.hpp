// How GPU work is named in a folded stack (README "Folded stacks"):
//
//   comm;main;launch_work;cudaLaunchKernel;[GPU_Kernel]add(float*, int)   kernel
//   comm;main;copy_in;cudaMemcpy;[GPU_Memcpy]HtoD(pageable)               copy
//   comm;main;clear;cudaMemset;[GPU_Memset]                               memset
//   comm;[no_cpu_stack];[GPU_Kernel]add(float*, int)    no launch stack matched
//   comm;main;step;cudaLaunchKernel;[GPU_Launch]      -p: launches, counted
//
// The launching API frame sits between the application's frames and the GPU
// leaf; with --gpu-streams a "[GPU_Stream]DEVICE:STREAM" frame comes before
// the leaf.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gpu/gpu_stream.hpp"

namespace xpu {

inline constexpr const char *kGpuKernelPrefix = "[GPU_Kernel]";
inline constexpr const char *kGpuMemcpyPrefix = "[GPU_Memcpy]";
inline constexpr const char *kGpuMemset = "[GPU_Memset]";
inline constexpr const char *kGpuStreamPrefix = "[GPU_Stream]";
inline constexpr const char *kNoCpuStack = "[no_cpu_stack]";
// The leaf of a launch counted at a CUDA API entry point (a process xpu-perf
// did not start, so no injector): its weight is a count of launches.
inline constexpr const char *kGpuLaunchLeaf = "[GPU_Launch]";

// The leaf frame of one activity: the kernel's demangled name, the copy's
// direction ("(pageable)" when the host side is pageable memory), "[GPU_Memset]".
std::string gpu_leaf_frame(const GpuActivity &a);
std::string gpu_stream_frame(uint32_t device, uint32_t stream);
// "cudaLaunchKernel_v7000" -> "cudaLaunchKernel"; "cuLaunchKernel" stays.
std::string api_frame(std::string_view cupti_name);
// The API frame when the stream never named the callback id.
std::string unnamed_api_frame(uint32_t domain, uint32_t cbid);

// Whether a frame of the launch stack belongs to the CUDA stack below the
// application (the runtime, the driver, CUPTI, the injector): `module` is the
// symbolizer's label ("[libcuda.so.1]"), `symbol` the frame's name. The
// statically linked runtime (nvcc's default) lives in the executable, so it
// is known by its symbols.
bool is_cuda_module(std::string_view module);
bool is_cuda_runtime_symbol(std::string_view symbol);

}  // namespace xpu
