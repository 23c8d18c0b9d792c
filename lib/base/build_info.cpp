#include "base/build_info.hpp"

#include <bpf/libbpf.h>
#include <fmt/format.h>

#include "live/http_server.hpp"
#include "gpu/injector_blob.hpp"

// The Makefile passes these; a build outside it still compiles.
#ifndef XPU_VERSION
#define XPU_VERSION "0.1.0"
#endif
#ifndef XPU_GIT_DESCRIBE
#define XPU_GIT_DESCRIBE "unknown"
#endif
// Defined when this file is compiled for `make static` (build/static/).
#ifdef XPU_STATIC
#define XPU_STATIC_LINK true
#else
#define XPU_STATIC_LINK false
#endif

namespace xpu {

const BuildInfo &build_info()
{
	static const BuildInfo info = {XPU_VERSION, XPU_GIT_DESCRIBE, XPU_STATIC_LINK,
				       injector_built_in()};
	return info;
}

std::string libbpf_version()
{
	return fmt::format("{}.{}", libbpf_major_version(), libbpf_minor_version());
}

std::string version_text()
{
	const BuildInfo &b = build_info();
	return fmt::format("xpu-perf {}\n"
			   "git: {}\n"
			   "libbpf: {} (linked in)\n"
			   "build: {}\n"
			   "CUDA support: {}\n"
			   "web page (live --http): {}",
			   b.version, b.git_describe, libbpf_version(),
			   b.static_link ? "static (no shared libraries)"
					 : "dynamic (libelf, libdw, libz, libfmt shared)",
			   b.cuda_support ? "yes (CUPTI injector built in)"
					  : "no (built without the CUDA toolkit: no GPU layer)",
			   http_support_text());
}

}  // namespace xpu
