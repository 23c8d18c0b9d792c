// libFuzzer harness: tune rule files (--rules FILE is user input), parsed
// and their expressions and actions printed back as the evidence prints them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tune/tune_rule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	auto rules = xpu::tune::parse_rules(text, "fuzz");
	if (!rules)
		return 0;
	for (const auto &r : *rules) {
		(void)xpu::tune::to_string(r.cond);
		(void)xpu::tune::to_string(r.action);
		if (r.impact)
			(void)xpu::tune::to_string(*r.impact);
	}
	return 0;
}
