// Shared by the CUDA examples: stop on the first CUDA error with a message
// on stderr and exit status 2 (as xpu-perf's "environment" errors), so a
// machine without a GPU gets one clear line, not garbage numbers.
#pragma once

#include <cstdio>
#include <cstdlib>

#include <cuda_runtime.h>

#define CUDA_CHECK(call)                                                                    \
	do {                                                                                \
		cudaError_t err_ = (call);                                                  \
		if (err_ != cudaSuccess) {                                                  \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,       \
				cudaGetErrorString(err_));                                  \
			exit(2);                                                            \
		}                                                                           \
	} while (0)

// Host functions the profiler's stacks must show by name: never inlined.
#define LAUNCHER __attribute__((noinline))
