// libFuzzer harness: the writers on any profile a folded file can hold
// (report reads folded files from anywhere and writes SVG, speedscope,
// pprof and folded text). Also checks the folded round trip: what
// to_folded_text writes reads back to the same total weight.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "output/export_formats.hpp"
#include "output/export_pprof.hpp"
#include "output/writer_svg.hpp"
#include "profile/folded_reader.hpp"
#include "profile/stack_tree.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	xpu::StackTree tree;
	double total = 0;
	auto sink = [&](std::string_view stack, double weight) {
		tree.add(stack, weight);
		if (weight > 0)
			total += weight;
	};
	if (!xpu::parse_folded_text(text, "fuzz", sink))
		return 0;
	(void)xpu::to_svg(tree, {});
	(void)xpu::to_svg(tree, {.inverted = true});
	(void)xpu::to_speedscope(tree, "fuzz");
	(void)xpu::to_pprof_message(tree);
	const std::string folded = xpu::to_folded_text(tree);
	double again = 0;
	auto count = [&](std::string_view, double weight) { again += weight; };
	if (!xpu::parse_folded_text(folded, "round trip", count))
		std::abort();  // our own output must read back
	if (std::fabs(again - total) > 1e-6 * std::max(1.0, total))
		std::abort();
	return 0;
}
