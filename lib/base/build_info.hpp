// What this binary is: version, the commit it was built from, how it was
// linked and which optional parts it carries (`xpu-perf --version`).
#pragma once

#include <string>

namespace xpu {

struct BuildInfo {
	const char *version;       // "0.1.0"
	const char *git_describe;  // `git describe --always --dirty` at build time, or "unknown"
	bool static_link;          // `make static`: no shared library needed
	bool cuda_support;         // the CUPTI injector is built in
};

const BuildInfo &build_info();

// The libbpf linked in, from libbpf itself: "1.1".
std::string libbpf_version();

// The text of `xpu-perf --version`, several lines, no trailing newline.
std::string version_text();

}  // namespace xpu
