// libFuzzer harness: /proc/PID/maps text (a kernel file, but read from a
// process that may be changing, and from saved copies).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "symbolize/proc_maps.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)xpu::parse_proc_maps(std::string_view(reinterpret_cast<const char *>(data), size));
	return 0;
}
