#include "gpu/gpu_launch_probe.hpp"

#include <cstring>

#include "kernel/bpf_thread.hpp"
#include "bpf/cuda_launch.h"
#include "gpu/gpu_protocol.h"
#include "xpu.skel.h"

namespace xpu {

LaunchProbe::LaunchProbe(BpfSession &bpf) : bpf_(bpf)
{
	ring_.reset(ring_buffer__new(bpf_map__fd(bpf_.skel().maps.launches), &LaunchProbe::on_record,
				     this, nullptr));
}

LaunchProbe::~LaunchProbe() = default;

Result<void> LaunchProbe::attach_hook(const std::string &library)
{
	if (!ring_)
		return fail(ExitCode::internal, "create the launch ring buffer");
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = gpu_proto::kLaunchHookSymbol);
	Link link(bpf_program__attach_uprobe_opts(bpf_.skel().progs.on_launch_hook, -1,
						  library.c_str(), 0, &opts));
	if (!link)
		return sys_fail(ExitCode::environment, errno, "attach a uprobe to {} in {}",
				gpu_proto::kLaunchHookSymbol, library);
	links_.push_back(std::move(link));
	return {};
}

size_t LaunchProbe::attach_entries(const std::string &file, const std::vector<std::string> &names)
{
	if (!ring_)
		return 0;
	size_t n = 0;
	for (size_t i = 0; i < names.size(); i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = i, .func_name = names[i].c_str());
		Link link(bpf_program__attach_uprobe_opts(bpf_.skel().progs.on_launch_entry, -1,
							  file.c_str(), 0, &opts));
		if (!link)
			continue;  // this file does not define it
		links_.push_back(std::move(link));
		n++;
	}
	return n;
}

int LaunchProbe::fd() const { return ring_ ? ring_buffer__epoll_fd(ring_.get()) : -1; }

int LaunchProbe::on_record(void *ctx, void *data, size_t size) noexcept
{
	auto *self = static_cast<LaunchProbe *>(ctx);
	if (size < sizeof(xpu_launch_event) || !self->fn_)
		return 0;
	const auto &e = *static_cast<const xpu_launch_event *>(data);
	LaunchEvent ev;
	ev.where = thread_stacks_of(e);
	ev.ts_ns = e.ts_ns;
	ev.corr = e.corr;
	ev.cbid = e.cbid;
	ev.domain = e.domain;
	ev.from_hook = e.origin == XPU_LAUNCH_HOOK;
	try {
		(*self->fn_)(ev);
	} catch (const std::exception &ex) {
		self->error_ = ex.what();
		return -1;
	}
	return 0;
}

Result<void> LaunchProbe::consume(const Fn &fn)
{
	if (!ring_)
		return {};
	fn_ = &fn;
	int n = ring_buffer__consume(ring_.get());
	fn_ = nullptr;
	if (!error_.empty())
		return fail(ExitCode::internal, "launch handler: {}", error_);
	if (n < 0)
		return sys_fail(ExitCode::internal, n, "read the launch ring buffer");
	return {};
}

void LaunchProbe::detach() { links_.clear(); }

}  // namespace xpu
