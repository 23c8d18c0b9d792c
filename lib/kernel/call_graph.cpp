#include "kernel/call_graph.hpp"

namespace xpu {

std::optional<CallGraph> call_graph_from_name(std::string_view name)
{
	for (const auto &m : kCallGraphModes)
		if (m.name == name)
			return m.mode;
	return std::nullopt;
}

std::string_view call_graph_name(CallGraph mode)
{
	for (const auto &m : kCallGraphModes)
		if (m.mode == mode)
			return m.name;
	return "?";
}

std::vector<std::string> call_graph_names()
{
	std::vector<std::string> out;
	for (const auto &m : kCallGraphModes)
		out.emplace_back(m.name);
	return out;
}

}  // namespace xpu
