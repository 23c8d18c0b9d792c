// Joins what the sampler counted with what the symbolizer knows: each
// in-kernel count becomes one folded stack
//   comm;user root..user leaf;kernel root_[k]..kernel leaf_[k] count
// in stackcollapse-perf.pl's layout (root frame = thread name, or
// "comm-PID" with --pid-prefix).
#pragma once

#include "cpu_sampler.hpp"
#include "profile.hpp"
#include "symbolizer.hpp"

namespace xpu {

struct StackLayout {
	bool pid_prefix = false;
};

// Frames that stand for a stack the kernel could not capture (bcc's names).
inline constexpr const char *kMissedUserStack = "[Missed User Stack]";
inline constexpr const char *kMissedKernelStack = "[Missed Kernel Stack]";

Profile build_cpu_profile(const SampleSet &set, Symbolizer &sym, const StackLayout &layout);

}  // namespace xpu
