#include "gpu/gpu_frames.hpp"

#include <fmt/format.h>

#include "symbolize/demangle.hpp"
#include "gpu/gpu_protocol.h"
#include "profile/profile.hpp"

namespace xpu {

namespace {

std::string_view copy_direction(uint32_t kind)
{
	using namespace gpu_proto;
	switch (kind) {
	case kCopyHtoD: return "HtoD";
	case kCopyDtoH: return "DtoH";
	case kCopyHtoA: return "HtoA";
	case kCopyAtoH: return "AtoH";
	case kCopyAtoA: return "AtoA";
	case kCopyAtoD: return "AtoD";
	case kCopyDtoA: return "DtoA";
	case kCopyDtoD: return "DtoD";
	case kCopyHtoH: return "HtoH";
	case kCopyPtoP: return "PtoP";
	default: return "unknown";
	}
}

}  // namespace

std::string gpu_leaf_frame(const GpuActivity &a)
{
	switch (a.kind) {
	case GpuKind::kernel:
		return clean_frame(kGpuKernelPrefix + demangle(a.name));
	case GpuKind::memcpy: {
		bool pageable = a.src_kind == gpu_proto::kMemPageable ||
				a.dst_kind == gpu_proto::kMemPageable;
		return fmt::format("{}{}{}", kGpuMemcpyPrefix, copy_direction(a.copy_kind),
				   pageable ? "(pageable)" : "");
	}
	case GpuKind::memset:
		return kGpuMemset;
	}
	return "[GPU]";
}

std::string gpu_stream_frame(uint32_t device, uint32_t stream)
{
	return fmt::format("{}{}:{}", kGpuStreamPrefix, device, stream);
}

std::string api_frame(std::string_view name)
{
	// CUPTI versions its callback names: "cudaLaunchKernel_v7000".
	size_t v = name.rfind("_v");
	if (v != name.npos && v + 2 < name.size() &&
	    name.find_first_not_of("0123456789", v + 2) == name.npos)
		name = name.substr(0, v);
	return clean_frame(name);
}

std::string unnamed_api_frame(uint32_t domain, uint32_t cbid)
{
	const char *d = domain == gpu_proto::kDomainRuntime  ? "runtime"
			: domain == gpu_proto::kDomainDriver ? "driver"
							     : "api";
	return fmt::format("[cuda_{}:{}]", d, cbid);
}

bool is_cuda_module(std::string_view module)
{
	if (module.starts_with('['))
		module.remove_prefix(1);
	for (std::string_view lib : {"libcuda.so", "libcudart.so", "libcupti.so", "libxpu_cupti",
				     "libxpu_launch_hook", "libnvidia-"})
		if (module.starts_with(lib))
			return true;
	return false;
}

bool is_cuda_runtime_symbol(std::string_view s)
{
	// The static runtime's entry points and internals: cudaLaunchKernel,
	// __cudaLaunchKernel, cudart::..., and the driver's cuLaunchKernel.
	auto upper_after = [&](std::string_view prefix) {
		return s.size() > prefix.size() && s.starts_with(prefix) && s[prefix.size()] >= 'A' &&
		       s[prefix.size()] <= 'Z';
	};
	return s.starts_with("cudart::") || s.starts_with("__cuda") || upper_after("cuda") ||
	       upper_after("cu");
}

}  // namespace xpu
