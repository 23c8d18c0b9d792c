// libcupti, loaded at run time. The injector links nothing of CUDA: it
// dlopens the libcupti that matches the app's CUDA and resolves the few
// functions it calls, so one injector serves any CUDA 12/13 install and a
// missing CUPTI is a W record, not a failure to load the injector.
//
// Search order (first that loads wins):
//   1. $XPU_PERF_CUPTI (set by the user or the profiler);
//   2. next to the libcudart/libcuda the app has mapped (/proc/self/maps):
//      that directory, ../extras/CUPTI/lib64 (toolkit layout) and
//      ../../cuda_cupti/lib (pip's nvidia-* wheels), preferring the soname
//      of the app's cudart major version;
//   3. the dynamic linker's search (libcupti.so.13, .12, .so);
//   4. $CUDA_HOME (or /usr/local/cuda) lib64, lib and extras/CUPTI/lib64.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <cupti.h>

namespace xpu::injector {

struct CuptiApi {
	void *handle = nullptr;
	std::string path;
#define XPU_CUPTI_FN(fn) decltype(&::fn) fn = nullptr
	// Required.
	XPU_CUPTI_FN(cuptiGetVersion);
	XPU_CUPTI_FN(cuptiGetResultString);
	XPU_CUPTI_FN(cuptiSubscribe);
	XPU_CUPTI_FN(cuptiUnsubscribe);
	XPU_CUPTI_FN(cuptiEnableCallback);
	XPU_CUPTI_FN(cuptiEnableDomain);
	XPU_CUPTI_FN(cuptiGetCallbackName);
	XPU_CUPTI_FN(cuptiActivityRegisterCallbacks);
	XPU_CUPTI_FN(cuptiActivityEnable);
	XPU_CUPTI_FN(cuptiActivityDisable);
	XPU_CUPTI_FN(cuptiActivityFlushAll);
	XPU_CUPTI_FN(cuptiActivityGetNextRecord);
	XPU_CUPTI_FN(cuptiActivityGetNumDroppedRecords);
	// Optional: older CUPTIs lack some; the injector does without them.
	XPU_CUPTI_FN(cuptiSetThreadIdType);
	XPU_CUPTI_FN(cuptiActivityRegisterTimestampCallback);
	XPU_CUPTI_FN(cuptiActivityFlushPeriod);
	XPU_CUPTI_FN(cuptiActivityEnableRuntimeApi);
	XPU_CUPTI_FN(cuptiActivityEnableDriverApi);
	XPU_CUPTI_FN(cuptiGetTimestamp);
#ifdef CUpti_SubscriberParams_STRUCT_SIZE
	// CUPTI 13: a named subscription, and the holder's name when refused.
	XPU_CUPTI_FN(cuptiSubscribe_v2);
#endif
#undef XPU_CUPTI_FN

	// "cuptiSubscribe: CUPTI_ERROR_... (N)"
	std::string describe(const char *call, CUptiResult r) const;
};

// Where to look for libcupti, in order. `maps` is /proc/self/maps' text.
std::vector<std::string> cupti_candidates(const char *env_path, std::string_view maps,
					  const char *cuda_home);

// Loads libcupti and resolves its functions; on failure `error` says why.
bool load_cupti(CuptiApi &api, std::string &error);

}  // namespace xpu::injector
