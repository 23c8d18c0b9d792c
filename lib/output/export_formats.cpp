#include "output/export_formats.hpp"

#include <iterator>
#include <limits>

#include <fmt/format.h>

#include "output/writer_table.hpp"

namespace xpu {

std::string to_folded_text(const StackTree &tree)
{
	std::string out;
	for_each_stack(tree, [&](std::span<const StackTree::NodeId> path, double self) {
		for (size_t i = 0; i < path.size(); ++i) {
			if (i)
				out += ';';
			out += tree.name(path[i]);
		}
		out += ' ';
		out += exact_number(self);
		out += '\n';
	});
	return out;
}

std::string to_speedscope(const StackTree &tree, const std::string &name)
{
	constexpr uint32_t unset = std::numeric_limits<uint32_t>::max();
	std::vector<uint32_t> index(tree.frames().size(), unset);  // FrameId -> frames[] index
	std::string frames, samples, weights;
	uint32_t next = 0;
	for_each_stack(tree, [&](std::span<const StackTree::NodeId> path, double self) {
		samples += samples.empty() ? "[" : ",[";
		for (size_t i = 0; i < path.size(); ++i) {
			uint32_t &ix = index[tree.node(path[i]).name];
			if (ix == unset) {
				ix = next++;
				frames += fmt::format("{}{{\"name\":{}}}", ix ? "," : "",
						      json_string(tree.name(path[i])));
			}
			samples += fmt::format("{}{}", i ? "," : "", ix);
		}
		samples += ']';
		weights += (weights.empty() ? "" : ",") + exact_number(self);
	});
	std::string out;
	fmt::format_to(std::back_inserter(out),
		       "{{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
		       "\"exporter\":\"xpu-perf report\",\"name\":{0},\"activeProfileIndex\":0,"
		       "\"shared\":{{\"frames\":[{1}]}},\"profiles\":[{{\"type\":\"sampled\","
		       "\"name\":{0},\"unit\":\"none\",\"startValue\":0,\"endValue\":{2},"
		       "\"samples\":[{3}],\"weights\":[{4}]}}]}}\n",
		       json_string(name), frames, exact_number(tree.total()), samples, weights);
	return out;
}

}  // namespace xpu
