// record --trace's Chrome trace-event JSON (lib/gpu/trace_writer) on
// made-up input, exactly, and what speedscope needs of it: speedscope keys a
// slice by name and args, so two slices back to back on one lane with both
// equal become one frame (tests/shell/trace_speedscope_chromium.sh opens the
// file there).
#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <tuple>

#include "gpu/trace_writer.hpp"

using namespace xpu;

namespace {

GpuActivity kernel(uint32_t corr, uint64_t start_us, uint64_t us, const char *name)
{
	GpuActivity a;
	a.pid = 40;
	a.corr = corr;
	a.stream = 7;
	a.start = start_us * 1000;
	a.end = (start_us + us) * 1000;
	a.name = name;
	return a;
}

// A graph launch of three kernels of one name (corr 10, graph 5, nodes 1-3)
// after two plain launches of that kernel.
TraceInput graph_launch()
{
	TraceInput in;
	in.gpu = {kernel(1, 1000, 10, "_Z4stepv"), kernel(2, 1010, 10, "_Z4stepv")};
	for (uint64_t node = 1; node <= 3; node++) {
		GpuActivity a = kernel(10, 1020 + 5 * (node - 1), 5, "_Z4stepv");
		a.graph_id = 5;
		a.graph_node = node;
		in.gpu.push_back(a);
	}
	in.calls.push_back({.pid = 40, .tid = 41, .corr = 10, .driver = false, .api = "cudaGraphLaunch",
			    .start = 900000, .end = 900000, .stack = {"main"}});
	return in;
}

std::vector<std::string> lines_with(const std::string &doc, const std::string &what)
{
	std::vector<std::string> out;
	std::istringstream in(doc);
	for (std::string line; std::getline(in, line);)
		if (line.find(what) != std::string::npos)
			out.push_back(line.ends_with(",") ? line.substr(0, line.size() - 1) : line);
	return out;
}

// `"key":value` of a one-line event, up to the next top-level comma.
std::string field(const std::string &event, const std::string &key)
{
	size_t at = event.find("\"" + key + "\":");
	REQUIRE(at != std::string::npos);
	at += key.size() + 3;
	int depth = 0;
	size_t end = at;
	for (bool quoted = false; end < event.size(); end++) {
		char ch = event[end];
		if (quoted) {
			if (ch == '\\')
				end++;
			else if (ch == '"')
				quoted = false;
		} else if (ch == '"') {
			quoted = true;
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (depth-- == 0)
				break;
		} else if (ch == ',' && depth == 0) {
			break;
		}
	}
	return event.substr(at, end - at);
}

}  // namespace

TEST_CASE("trace writer: a graph's kernels carry their node", "[gpu][trace]")
{
	// The kernel's name ends in ")", so the raw strings are R"j(...)j".
	auto gpu = lines_with(trace_json(graph_launch()), R"("cat":"kernel")");
	REQUIRE(gpu.size() == 5);
	CHECK(gpu[0] == R"j({"ph":"X","cat":"kernel","name":"step()","pid":0,"tid":7,"ts":1000.000,)j"
			R"j("dur":10.000,"args":{"device":0,"stream":7,"correlation":1}})j");
	for (int node = 1; node <= 3; node++) {
		std::string ts = std::to_string(1020 + 5 * (node - 1)), n = std::to_string(node);
		CHECK(gpu[1 + node] == R"j({"ph":"X","cat":"kernel","name":"step()","pid":0,"tid":7,"ts":)j" + ts +
					       R"j(.000,"dur":5.000,"args":{"device":0,"stream":7,"correlation":10,)j"
					       R"j("graph id":5,"graph node":)j" + n + "}}");
	}
}

TEST_CASE("trace writer: no two slices back to back on a lane share name and args", "[gpu][trace]")
{
	TraceInput in = graph_launch();
	GpuActivity copy = kernel(20, 1035, 2, "");
	copy.kind = GpuKind::memcpy;
	copy.copy_kind = 1;
	copy.bytes = 4096;
	in.gpu.push_back(copy);
	// (pid, tid) -> the lane's slices in time order, as speedscope orders them.
	std::map<std::pair<std::string, std::string>, std::vector<std::tuple<double, std::string, std::string>>> lanes;
	for (const auto &e : lines_with(trace_json(in), R"("ph":"X")"))
		lanes[{field(e, "pid"), field(e, "tid")}].emplace_back(std::stod(field(e, "ts")), field(e, "name"),
								       field(e, "args"));
	REQUIRE(lanes.size() == 2);
	REQUIRE(lanes[{"0", "7"}].size() == 6);
	for (auto &[lane, slices] : lanes) {
		std::sort(slices.begin(), slices.end());
		for (size_t i = 1; i < slices.size(); i++) {
			INFO(std::get<1>(slices[i]) << " " << std::get<2>(slices[i]));
			CHECK(std::tie(std::get<1>(slices[i - 1]), std::get<2>(slices[i - 1])) !=
			      std::tie(std::get<1>(slices[i]), std::get<2>(slices[i])));
		}
	}
}
