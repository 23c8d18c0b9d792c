// The launch hook's declaration for the injector's callback (see
// launch_hook.cpp for why it is built the way it is).
#pragma once

#include <stdint.h>

extern "C" void xpu_perf_launch_hook(uint32_t corr, uint32_t cbid, uint32_t domain);
