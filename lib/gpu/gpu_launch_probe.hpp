// The CPU side of GPU launches: the uprobe of bpf/cuda_launch.bpf.c on the
// injector's launch hook, and the ring buffer its records come through. Each
// record is a launch's thread, time, correlation id and user stack.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernel/bpf_session.hpp"
#include "kernel/bpf_util.hpp"
#include "base/error.hpp"
#include "profile/event.hpp"

namespace xpu {

struct LaunchEvent {
	ThreadStacks where;     // pid, tid, gen, comm, ustack (flags: XPU_KEY_*)
	uint64_t ts_ns = 0;     // CLOCK_MONOTONIC
	uint32_t corr = 0;      // CUPTI correlation id
	uint32_t cbid = 0;      // CUPTI callback id of the launching API
	uint32_t domain = 0;    // CUPTI callback domain (gpu_protocol.h kDomain*)
	bool from_hook = true;  // false: an API entry uprobe, no correlation id
};

class LaunchProbe {
public:
	using Fn = std::function<void(const LaunchEvent &)>;

	explicit LaunchProbe(BpfSession &bpf);
	~LaunchProbe();

	// A uprobe on gpu_protocol.h's hook in `library` (the injector the
	// targets load), for every process; the BPF side keeps the targets'.
	Result<void> attach_hook(const std::string &library);
	// Uprobes on those of `names` that `file` defines (the fallback without
	// an injector, lib/gpu/gpu_entry_points.hpp); a launch's cbid is the index
	// of its entry point. Returns how many were attached.
	size_t attach_entries(const std::string &file, const std::vector<std::string> &names);
	// A descriptor that polls readable when launches are pending.
	int fd() const;
	// Passes every pending launch to `fn`, without blocking.
	Result<void> consume(const Fn &fn);
	void detach();

private:
	static int on_record(void *ctx, void *data, size_t size) noexcept;

	BpfSession &bpf_;
	RingBuffer ring_;
	std::vector<Link> links_;
	const Fn *fn_ = nullptr;  // valid during consume() only
	std::string error_;
};

}  // namespace xpu
