#include "output/export_pprof.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <vector>

#include "output/pprof_writer.hpp"
#include "report/report_group.hpp"

namespace xpu {

namespace {

// gpu/gpu_frames.hpp's kGpuStreamPrefix, the --gpu-streams frame above a
// GPU leaf ("[GPU_Stream]0:7"); output/ does not include gpu/, which
// includes output/.
constexpr std::string_view kGpuStreamFrame = "[GPU_Stream]";

// The columns a folded stack can weigh in (see the header).
constexpr PprofColumn kSamples = PprofColumn::samples, kCpuNs = PprofColumn::cpu_ns,
		      kOffCpu = PprofColumn::offcpu, kGpuWait = PprofColumn::gpu_wait,
		      kGpu = PprofColumn::gpu, kGpuLaunches = PprofColumn::gpu_launches,
		      kNet = PprofColumn::net;

PprofColumn column_of(std::string_view layer)
{
	if (layer.starts_with("offcpu"))
		return kOffCpu;
	if (layer == "gpu:Wait")
		return kGpuWait;
	if (layer == "gpu:Launch")  // launches counted where no CUPTI timed them
		return kGpuLaunches;
	if (layer.starts_with("gpu"))
		return kGpu;
	if (layer.starts_with("net"))
		return kNet;
	return kSamples;
}

bool all_digits(std::string_view s)
{
	return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// The GPU device and stream labels of a stack under a "[GPU_Stream]D:S"
// frame. As strings: device 0 is a num label of 0, which proto3 does not
// write and readers then show as no value. (Added to the string table at
// every sample, as report always has: its bytes stay as they were.)
void add_gpu_labels(PprofWriter &w, const StackTree &tree, std::span<const StackTree::NodeId> path,
		    int64_t device_key, int64_t stream_key, std::vector<PprofLabel> &labels)
{
	for (auto id : path) {
		std::string_view n = tree.name(id);
		if (!n.starts_with(kGpuStreamFrame))
			continue;
		n.remove_prefix(kGpuStreamFrame.size());
		size_t colon = n.find(':');
		if (colon == n.npos || !all_digits(n.substr(0, colon)) || !all_digits(n.substr(colon + 1)))
			return;
		labels.push_back({device_key ? device_key : w.add_string("gpu_device"),
				  w.add_string(n.substr(0, colon))});
		labels.push_back({stream_key ? stream_key : w.add_string("gpu_stream"),
				  w.add_string(n.substr(colon + 1))});
		return;
	}
}

}  // namespace

std::string to_pprof_message(const StackTree &tree, PprofStats *stats, const PprofOptions &opts)
{
	PprofWriter w;
	PprofStats st;

	// Each frame's layer, once per distinct name.
	const size_t names = tree.frames().size();
	std::vector<PprofColumn> layer_of(names, kSamples);
	std::vector<bool> inlined(names, false);
	for (FrameId f = 0; f < names; f++) {
		std::string_view n = tree.frames().name(f);
		layer_of[f] = column_of(layer_of_frame(n));
		inlined[f] = is_inlined_frame(n);
	}
	auto stack_column = [&](std::span<const StackTree::NodeId> path) {
		for (auto id : path)
			if (PprofColumn c = layer_of[tree.node(id).name]; c != kSamples)
				return c;
		return kSamples;
	};
	// The columns present, in order; on-CPU samples always.
	bool present[kPprofColumns] = {true};
	for_each_stack(tree, [&](std::span<const StackTree::NodeId> path, double) {
		present[static_cast<int>(stack_column(path))] = true;
	});
	const double period_ns = opts.freq > 0 ? 1e9 / opts.freq : 0;
	present[static_cast<int>(kCpuNs)] = period_ns > 0;
	const char *time_unit = period_ns > 0 ? "nanoseconds" : "samples";
	int index[kPprofColumns];
	int columns = 0;
	for (int c = 0; c < kPprofColumns; c++) {
		index[c] = present[c] ? columns++ : -1;
		if (present[c]) {
			PprofType t = pprof_type(static_cast<PprofColumn>(c), time_unit);
			w.add_sample_type(t.type, t.unit);
		}
	}
	if (period_ns > 0)
		w.set_period("cpu", "nanoseconds", std::llround(period_ns));
	// Label keys, in the string table once used.
	int64_t keys[4] = {0, 0, 0, 0};
	const char *key_names[4] = {"comm", "pid", "gpu_device", "gpu_stream"};
	auto key = [&](int k) {
		if (!keys[k])
			keys[k] = w.add_string(key_names[k]);
		return keys[k];
	};
	std::map<std::string, int64_t, std::less<>> comms;  // one string each

	std::vector<std::string_view> run;
	std::vector<uint64_t> locations;
	std::vector<int64_t> values(static_cast<size_t>(columns));
	std::vector<PprofLabel> labels;
	for_each_stack(tree, [&](std::span<const StackTree::NodeId> path, double self) {
		double weight = std::round(self);
		if (weight <= 0) {
			++st.dropped;
			return;
		}
		PprofColumn col = stack_column(path);
		// Locations leaf first: each non-inlined frame with the inlined
		// frames after it (toward the leaf) as its lines.
		locations.clear();
		for (size_t end = path.size(); end > 0;) {
			size_t begin = end - 1;
			while (begin > 0 && inlined[tree.node(path[begin]).name])
				begin--;
			run.clear();
			for (size_t i = begin; i < end; i++)
				run.push_back(tree.name(path[i]));
			locations.push_back(w.location(run));
			end = begin;
		}
		for (int c = 0; c < kPprofColumns; c++) {
			if (index[c] < 0)
				continue;
			double v = 0;
			if (c == static_cast<int>(col))
				v = weight * (col == kSamples || col == kNet || col == kGpuLaunches ||
								      period_ns <= 0
							      ? 1
							      : period_ns);
			else if (c == static_cast<int>(kCpuNs) && col == kSamples)
				v = weight * period_ns;
			values[static_cast<size_t>(index[c])] = std::llround(v);
		}
		// The process frame: "comm" or "comm-PID".
		std::string_view root = tree.name(path[0]);
		std::string_view comm = comm_of(root);
		labels.clear();
		auto c = comms.find(comm);
		int64_t comm_key = key(0);
		if (c == comms.end())
			c = comms.emplace(std::string(comm), w.add_string(comm)).first;
		labels.push_back({comm_key, c->second});
		if (comm.size() < root.size()) {
			// comm_of() split off digits; a number past int64 (a frame
			// that only looks like "comm-PID") gets no pid label.
			std::string_view digits = root.substr(comm.size() + 1);
			int64_t pid = 0;
			auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
			if (ec == std::errc() && end == digits.data() + digits.size())
				labels.push_back({key(1), 0, pid});
		}
		size_t before = labels.size();
		add_gpu_labels(w, tree, path, keys[2], keys[3], labels);
		if (labels.size() > before) {
			keys[2] = labels[before].key;
			keys[3] = labels[before + 1].key;
		}
		w.add_sample(locations, values, labels);
	});
	st.samples = w.samples();
	st.functions = w.functions();
	if (stats)
		*stats = st;
	return w.serialize();
}

Result<std::string> to_pprof(const StackTree &tree, PprofStats *stats, const PprofOptions &opts)
{
	return gzip_bytes(to_pprof_message(tree, stats, opts));
}

}  // namespace xpu
