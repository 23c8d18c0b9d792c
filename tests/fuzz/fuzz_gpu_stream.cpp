// libFuzzer harness: the GPU pipe stream, written by the injector inside the
// profiled program (so not trusted), fed in two pieces split at the first
// byte's value, as a reader sees a stream cut anywhere.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gpu/gpu_stream.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view bytes(reinterpret_cast<const char *>(data), size);
	size_t cut = size ? data[0] % (size + 1) : 0;
	uint64_t seen = 0;
	xpu::GpuStreamParser parser({.activity = [&](const xpu::GpuActivity &) { seen++; },
				     .api_name = [&](pid_t, uint32_t, uint32_t, const std::string &n) {
					     seen += n.size();
				     },
				     .api_call = [&](const xpu::GpuApiCall &) { seen++; },
				     .sync = [&](const xpu::GpuSync &) { seen++; }});
	parser.feed(bytes.substr(0, cut));
	parser.feed(bytes.substr(cut));
	parser.finish();
	for (const auto &[pid, p] : parser.processes())
		seen += p.dropped();
	return 0;
}
