#include "output/export_pprof.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include <zlib.h>

#include "profile.pb.h"
#include "output/writer_table.hpp"
#include "report/report_group.hpp"

namespace xpu {

namespace {

// gpu/gpu_frames.hpp's kGpuStreamPrefix, the --gpu-streams frame above a
// GPU leaf ("[GPU_Stream]0:7"); output/ does not include gpu/, which
// includes output/.
constexpr std::string_view kGpuStreamFrame = "[GPU_Stream]";

// The sample types, in the order they are written (see the header).
enum Column { kSamples, kCpuNs, kOffCpu, kGpuWait, kGpu, kNet, kColumns };

Column column_of(std::string_view layer)
{
	if (layer.starts_with("offcpu"))
		return kOffCpu;
	if (layer == "gpu:Wait")
		return kGpuWait;
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

}  // namespace

std::string to_pprof_message(const StackTree &tree, PprofStats *stats, const PprofOptions &opts)
{
	perftools::profiles::Profile p;
	PprofStats st;
	p.add_string_table("");
	auto str = [&](std::string_view s) {
		p.add_string_table(valid_utf8(s));  // proto3 strings must be UTF-8
		return static_cast<int64_t>(p.string_table_size() - 1);
	};

	// Each frame's layer and kind, once per distinct name.
	const size_t names = tree.frames().size();
	std::vector<Column> layer_of(names, kSamples);
	std::vector<bool> inlined(names, false);
	for (FrameId f = 0; f < names; f++) {
		std::string_view n = tree.frames().name(f);
		layer_of[f] = column_of(layer_of_frame(n));
		inlined[f] = classify_frame(n) == FrameKind::inlined;
	}
	auto stack_column = [&](std::span<const StackTree::NodeId> path) {
		for (auto id : path)
			if (Column c = layer_of[tree.node(id).name]; c != kSamples)
				return c;
		return kSamples;
	};
	// The columns present, in order; on-CPU samples always.
	bool present[kColumns] = {true};
	for_each_stack(tree, [&](std::span<const StackTree::NodeId> path, double) {
		present[stack_column(path)] = true;
	});
	const double period_ns = opts.freq > 0 ? 1e9 / opts.freq : 0;
	present[kCpuNs] = period_ns > 0;
	const char *time_unit = period_ns > 0 ? "nanoseconds" : "samples";
	const std::pair<const char *, const char *> types[kColumns] = {
		{"samples", "count"}, {"cpu", "nanoseconds"}, {"offcpu", time_unit},
		{"gpu_wait", time_unit}, {"gpu", time_unit}, {"net", "bytes"}};
	int index[kColumns];
	int columns = 0;
	for (int c = 0; c < kColumns; c++) {
		index[c] = present[c] ? columns++ : -1;
		if (present[c]) {
			auto *t = p.add_sample_type();
			t->set_type(str(types[c].first));
			t->set_unit(str(types[c].second));
		}
	}
	p.set_default_sample_type(p.sample_type(0).type());
	if (period_ns > 0) {
		auto *pt = p.mutable_period_type();
		pt->set_type(str("cpu"));
		pt->set_unit(str("nanoseconds"));
		p.set_period(std::llround(period_ns));
	}
	// Label keys, in the string table once used.
	int64_t keys[4] = {0, 0, 0, 0};
	const char *key_names[4] = {"comm", "pid", "gpu_device", "gpu_stream"};
	auto key = [&](int k) {
		if (!keys[k])
			keys[k] = str(key_names[k]);
		return keys[k];
	};
	std::map<std::string, int64_t, std::less<>> comms;  // one string each

	std::map<std::vector<FrameId>, uint64_t> locations;  // a frame and those inlined into it
	std::vector<uint64_t> function_of(names, 0);
	auto function = [&](FrameId f) {
		if (!function_of[f]) {
			function_of[f] = static_cast<uint64_t>(p.function_size()) + 1;
			auto *fn = p.add_function();
			fn->set_id(function_of[f]);
			std::string_view n = tree.frames().name(f);
			if (inlined[f])
				n.remove_suffix(4);  // "_[i]"
			int64_t name = str(n);
			fn->set_name(name);
			fn->set_system_name(name);
		}
		return function_of[f];
	};
	std::vector<FrameId> run;
	for_each_stack(tree, [&](std::span<const StackTree::NodeId> path, double self) {
		double weight = std::round(self);
		if (weight <= 0) {
			++st.dropped;
			return;
		}
		Column col = stack_column(path);
		auto *sample = p.add_sample();
		// Locations leaf first: each non-inlined frame with the inlined
		// frames after it (toward the leaf) as its lines, innermost first.
		for (size_t end = path.size(); end > 0;) {
			size_t begin = end - 1;
			while (begin > 0 && inlined[tree.node(path[begin]).name])
				begin--;
			run.clear();
			for (size_t i = begin; i < end; i++)
				run.push_back(tree.node(path[i]).name);
			auto [it, fresh] = locations.try_emplace(run, static_cast<uint64_t>(p.location_size()) + 1);
			if (fresh) {
				auto *l = p.add_location();
				l->set_id(it->second);
				for (size_t i = run.size(); i-- > 0;)
					l->add_line()->set_function_id(function(run[i]));
			}
			sample->add_location_id(it->second);
			end = begin;
		}
		for (int c = 0; c < kColumns; c++) {
			if (index[c] < 0)
				continue;
			double v = 0;
			if (c == col)
				v = weight * (c == kSamples || c == kNet || period_ns <= 0 ? 1 : period_ns);
			else if (c == kCpuNs && col == kSamples)
				v = weight * period_ns;
			sample->add_value(std::llround(v));
		}
		// The process frame: "comm" or "comm-PID".
		std::string_view root = tree.name(path[0]);
		std::string_view comm = comm_of(root);
		auto *label = sample->add_label();
		label->set_key(key(0));
		auto c = comms.find(comm);
		if (c == comms.end())
			c = comms.emplace(std::string(comm), str(comm)).first;
		label->set_str(c->second);
		if (comm.size() < root.size()) {
			auto *pid = sample->add_label();
			pid->set_key(key(1));
			pid->set_num(std::stoll(std::string(root.substr(comm.size() + 1))));
		}
		for (auto id : path) {
			std::string_view n = tree.name(id);
			if (!n.starts_with(kGpuStreamFrame))
				continue;
			n.remove_prefix(kGpuStreamFrame.size());
			size_t colon = n.find(':');
			if (colon == n.npos || !all_digits(n.substr(0, colon)) || !all_digits(n.substr(colon + 1)))
				break;
			// As strings: device 0 is a num label of 0, which proto3
			// does not write and readers then show as no value.
			auto *d = sample->add_label();
			d->set_key(key(2));
			d->set_str(str(n.substr(0, colon)));
			auto *s = sample->add_label();
			s->set_key(key(3));
			s->set_str(str(n.substr(colon + 1)));
			break;
		}
	});
	st.samples = static_cast<size_t>(p.sample_size());
	st.functions = static_cast<size_t>(p.function_size());
	if (stats)
		*stats = st;
	std::string out;
	p.SerializeToString(&out);
	return out;
}

Result<std::string> gzip_bytes(const std::string &data)
{
	z_stream z{};
	// 15 window bits + 16: a gzip header and trailer instead of zlib's.
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return fail(ExitCode::internal, "gzip: deflateInit2 failed");
	std::string out(deflateBound(&z, data.size()) + 32, '\0');
	z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
	z.avail_in = static_cast<uInt>(data.size());
	z.next_out = reinterpret_cast<Bytef *>(out.data());
	z.avail_out = static_cast<uInt>(out.size());
	int rc = deflate(&z, Z_FINISH);
	size_t n = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END)
		return fail(ExitCode::internal, "gzip: deflate failed ({})", rc);
	out.resize(n);
	return out;
}

Result<std::string> to_pprof(const StackTree &tree, PprofStats *stats, const PprofOptions &opts)
{
	std::string msg = to_pprof_message(tree, stats, opts);
	if (msg.size() > std::numeric_limits<uInt>::max())
		return fail(ExitCode::internal, "pprof: profile too large to compress in one piece");
	return gzip_bytes(msg);
}

}  // namespace xpu
