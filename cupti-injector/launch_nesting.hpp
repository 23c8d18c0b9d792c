// Which API exit fires the launch hook, per thread. Launch and memory calls
// nest (cudaLaunchKernel -> cuLaunchKernel, cudaMemcpy -> cuMemcpyHtoD_v2):
// only the outermost one's EXIT fires, once, with the user-visible call's
// cbid. The correlation id it reports is the first nested call's when there
// is one: CUPTI's GPU records carry the driver call's id (the memcpy
// record's documentation says so; runtime and driver ids are equal when
// CUPTI shares them, and then this changes nothing).
#pragma once

#include <stdint.h>

namespace xpu::injector {

class LaunchNesting {
public:
	void enter() { depth_++; }
	// At an EXIT: true when it closes the outermost call; `*hook_corr` is
	// then the id to report.
	bool exit(uint32_t corr, uint32_t *hook_corr)
	{
		if (depth_ == 0)
			return false;  // tracing began inside this call: its ENTER was missed
		if (--depth_ > 0) {
			if (!inner_corr_)
				inner_corr_ = corr;
			return false;
		}
		*hook_corr = inner_corr_ ? inner_corr_ : corr;
		inner_corr_ = 0;
		return true;
	}

private:
	uint32_t depth_ = 0;
	uint32_t inner_corr_ = 0;
};

}  // namespace xpu::injector
