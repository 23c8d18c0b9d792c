#include "profile_builder.hpp"

#include <fmt/format.h>

#include "bpf/profile.h"

namespace xpu {

namespace {

std::span<const uint64_t> stack_of(const SampleSet &set, uint64_t hash)
{
	if (hash == 0)
		return {};
	auto it = set.stacks.find(hash);
	return it == set.stacks.end() ? std::span<const uint64_t>() : it->second;
}

// Symbolizer frames are folded-safe already (see symbolizer.hpp).
void append(std::vector<std::string> &to, std::vector<std::string> &&from)
{
	for (auto &f : from)
		to.push_back(std::move(f));
}

}  // namespace

Profile build_cpu_profile(const SampleSet &set, Symbolizer &sym, const StackLayout &layout)
{
	Profile p;
	std::vector<std::string> frames;
	for (const auto &c : set.counts) {
		frames.clear();
		frames.push_back(clean_frame(layout.pid_prefix ? fmt::format("{}-{}", c.comm, c.pid)
								: c.comm));
		if (c.flags & XPU_SAMPLE_USTACK_ERR)
			frames.emplace_back(kMissedUserStack);
		else if (auto us = stack_of(set, c.ustack); !us.empty())
			append(frames, sym.user_stack(c.pid, c.gen, us));
		if (c.flags & XPU_SAMPLE_KSTACK_ERR)
			frames.emplace_back(kMissedKernelStack);
		else if (auto ks = stack_of(set, c.kstack); !ks.empty())
			append(frames, sym.kernel_stack(ks));
		p.add(frames, c.count);
	}
	return p;
}

}  // namespace xpu
