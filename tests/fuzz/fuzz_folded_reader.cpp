// libFuzzer harness: folded text as `report` reads it (any bytes, any lines).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "profile/folded_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	double sum = 0;
	auto sink = [&](std::string_view stack, double weight) {
		sum += weight + static_cast<double>(stack.size());
	};
	(void)xpu::parse_folded_text(text, "fuzz", sink);
	(void)xpu::parse_folded_text(text, "fuzz", sink, {.strict = true});
	return 0;
}
