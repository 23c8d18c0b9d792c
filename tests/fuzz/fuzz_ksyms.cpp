// libFuzzer harness: /proc/kallsyms text, then lookups at addresses taken
// from the input.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "symbolize/ksyms.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	auto ks = xpu::Ksyms::parse(std::string_view(reinterpret_cast<const char *>(data), size));
	for (size_t i = 0; i + 8 <= size && i < 64; i += 8) {
		uint64_t addr;
		std::memcpy(&addr, data + i, 8);
		(void)ks.lookup(addr);
	}
	return 0;
}
