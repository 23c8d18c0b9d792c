// libFuzzer harness: /tmp/perf-PID.map, written by any JIT (untrusted), then
// looked up at addresses taken from the input.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "symbolize/perf_map.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	auto map = xpu::PerfMap::parse(std::string_view(reinterpret_cast<const char *>(data), size));
	for (size_t i = 0; i + 8 <= size && i < 64; i += 8) {
		uint64_t addr;
		std::memcpy(&addr, data + i, 8);
		(void)map.lookup(addr);
	}
	return 0;
}
