// Which CUDA API calls the injector cares about, decided from the names
// CUPTI gives their callback ids (cuptiGetCallbackName) rather than a fixed
// list of ids, so that new variants (_ptsz, _v2, a new launch entry point
// such as 13.0's __cudaLaunchKernel) are picked up by their names.
#pragma once

#include <stdint.h>

#include <string_view>

namespace xpu::injector {

enum ApiClass : uint8_t {
	kApiOther = 0,
	kApiLaunch = 1,  // kernel, cooperative, host-function and graph launches
	kApiMemory = 2,  // memcpy and memset, sync and async
	kApiSync = 4,    // device/context/stream/event synchronize, stream wait event
};

// Whether the call blocks the thread until GPU work is done: the
// synchronizes (not cudaStreamWaitEvent, which makes a stream wait) and the
// copies that are not Async.
bool api_waits(std::string_view callback_name);

// "cudaLaunchKernel_ptsz_v7000" -> "cudaLaunchKernel"; "cuMemcpyHtoDAsync_v2_ptsz"
// -> "cuMemcpyHtoDAsync": the version and per-thread-stream suffixes removed.
std::string_view api_base_name(std::string_view name);

ApiClass classify_api(std::string_view callback_name);

}  // namespace xpu::injector
