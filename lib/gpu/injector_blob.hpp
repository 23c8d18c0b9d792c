// The CUPTI injector (cupti-injector/, libxpu_cupti.so) as bytes inside this
// binary, so that xpu-perf stays one file: record writes them to a private
// file and points CUDA_INJECTION64_PATH at it. Embedded at build time when
// the build found CUDA's CUPTI headers; empty otherwise.
#pragma once

#include <span>

namespace xpu {

// The injector's ELF image; empty when the build had no CUDA.
std::span<const unsigned char> embedded_injector();

// Whether this binary carries an injector (for `check` and --version).
bool injector_built_in();

}  // namespace xpu
