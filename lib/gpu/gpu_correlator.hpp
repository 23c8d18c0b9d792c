// Joins launch stacks (lib/gpu/gpu_launch_probe) with the GPU's records of the
// work they launched (lib/gpu/gpu_stream) by (pid, correlation id), and adds the
// GPU time up per launching stack.
//
// - A launch is looked up, never consumed: all the kernels of a graph launch
//   share its id and all get its stack.
// - Either may arrive first. GPU records whose launch has not arrived wait
//   `grace`; then (or at the end) they go under [no_cpu_stack], so every GPU
//   nanosecond reported by the stream is in the output exactly once.
// - Ids are 32-bit per process and wrap: a new launch with a known id
//   replaces the old one.
// - The launch table is bounded: launches older than `keep` (by arrival) or
//   beyond `max_launches` are evicted; those that never saw GPU work are
//   counted (a host function, a launch whose records were dropped).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "gpu/gpu_launch_probe.hpp"
#include "gpu/gpu_stream.hpp"
#include "profile/event.hpp"

namespace xpu {

struct GpuCorrelatorOptions {
	uint64_t grace_ns = 2'000'000'000;   // GPU record waiting for its launch
	uint64_t keep_ns = 10'000'000'000;   // launch waiting for GPU records
	size_t max_launches = 1u << 20;
	bool streams = false;                // --gpu-streams: a stream frame
};

struct GpuCorrelatorStats {
	uint64_t launches = 0;          // launch stacks received
	uint64_t activities = 0;        // kernels, copies, memsets received
	uint64_t kernels = 0;
	uint64_t matched = 0;           // activities under their launch stack
	uint64_t unmatched = 0;         // activities under [no_cpu_stack]
	uint64_t gpu_ns = 0;            // all activities' time
	uint64_t unmatched_ns = 0;
	uint64_t launches_without_work = 0;  // evicted (or left at the end) with no record
	uint64_t evicted_early = 0;     // evicted by max_launches, not age
};

class GpuCorrelator {
public:
	explicit GpuCorrelator(GpuCorrelatorOptions opts = {});

	// `now_ns`: arrival time (CLOCK_MONOTONIC), for the grace and keep ages.
	void add_launch(const LaunchEvent &l, uint64_t now_ns);
	void add_activity(const GpuActivity &a, uint64_t now_ns);
	void set_api_name(pid_t pid, uint32_t domain, uint32_t cbid, const std::string &name);
	void set_comm(pid_t pid, const std::string &comm);

	// The GPU time joined since the previous take: records that waited
	// longer than the grace are given up (with `final`, all of them, and
	// every launch is retired).
	std::vector<Event> take(uint64_t now_ns, bool final);

	const GpuCorrelatorStats &stats() const { return stats_; }
	size_t launches_held() const { return launches_.size(); }
	size_t activities_waiting() const { return waiting_.size(); }

private:
	using Key = std::pair<pid_t, uint32_t>;  // (pid, corr)
	struct KeyHash {
		size_t operator()(const Key &k) const
		{
			return std::hash<uint64_t>()((uint64_t(uint32_t(k.first)) << 32) | k.second);
		}
	};
	struct Launch {
		LaunchEvent ev;
		uint64_t arrived = 0;
		uint64_t serial = 0;  // which insertion, for the age queue
		bool had_work = false;
	};
	struct Waiting {
		GpuActivity a;
		uint64_t arrived = 0;
	};

	void attribute(const GpuActivity &a, Launch *l);  // l null: no launch
	void retire(const Launch &l);  // counts a launch that saw no GPU work
	std::string api_of(const LaunchEvent &l) const;

	GpuCorrelatorOptions opts_;
	GpuCorrelatorStats stats_;
	std::unordered_map<Key, Launch, KeyHash> launches_;
	std::deque<std::tuple<uint64_t, Key, uint64_t>> age_;  // (arrived, key, serial)
	uint64_t serial_ = 0;
	std::unordered_multimap<Key, Waiting, KeyHash> waiting_;
	std::map<std::tuple<pid_t, uint32_t, uint32_t>, std::string> api_names_;
	std::unordered_map<pid_t, std::string> comms_;
	// Output, summed per (stack, api, stream, leaf).
	std::map<std::tuple<pid_t, pid_t, uint32_t, uint64_t, uint32_t, bool, std::string,
			    std::string, std::string>,
		 Event>
		out_;
};

}  // namespace xpu
