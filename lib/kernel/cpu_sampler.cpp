#include "kernel/cpu_sampler.hpp"

#include <cstring>

#include "kernel/bpf_thread.hpp"
#include "kernel/bpf_util.hpp"
#include "base/log.hpp"
#include "bpf/profile.h"
#include "xpu.skel.h"

namespace xpu {

CpuSampler::CpuSampler(BpfSession &bpf, int freq, EventChoice event)
	: bpf_(bpf), freq_(freq), choice_(event)
{
}

CpuSampler::~CpuSampler() { stop(); }

Result<void> CpuSampler::start()
{
	auto ev = open_sampling_events(freq_, choice_);
	if (!ev)
		return std::unexpected(ev.error());
	events_ = std::move(*ev);
	for (size_t i = 0; i < events_.fds.size(); i++) {
		Link link(bpf_program__attach_perf_event(bpf_.skel().progs.on_cpu_sample,
							 events_.fds[i].get()));
		if (!link)
			return sys_fail(ExitCode::environment, errno, "attach sampler to CPU {}",
					events_.cpus[i]);
		links_.push_back(std::move(link));
	}
	log::info("sampling {} CPUs at {} Hz on {}", links_.size(), freq_, events_.name);
	return {};
}

void CpuSampler::stop()
{
	links_.clear();
	events_.fds.clear();
}

Result<void> CpuSampler::read_events(std::vector<Event> &out, bool take) const
{
	std::vector<xpu_sample_key> keys;
	std::vector<__u64> values;
	int fd = bpf_map__fd(bpf_.skel().maps.counts);
	if (int err = take ? take_all_entries(fd, keys, values) : read_all_entries(fd, keys, values))
		return sys_fail(ExitCode::internal, err, "read sample counts");
	out.reserve(out.size() + keys.size());
	for (size_t i = 0; i < keys.size(); i++)
		out.push_back(cpu_sample_event(thread_stacks_of(keys[i]), values[i]));
	return {};
}

}  // namespace xpu
