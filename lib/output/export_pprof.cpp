#include "output/export_pprof.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include <zlib.h>

#include "profile.pb.h"
#include "output/writer_table.hpp"

namespace xpu {

std::string to_pprof_message(const StackTree &tree, PprofStats *stats)
{
	perftools::profiles::Profile p;
	PprofStats st;
	p.add_string_table("");
	auto str = [&](std::string_view s) {
		p.add_string_table(valid_utf8(s));  // proto3 strings must be UTF-8
		return static_cast<int64_t>(p.string_table_size() - 1);
	};
	auto *type = p.add_sample_type();
	type->set_type(str("samples"));
	type->set_unit(str("count"));
	// The network layer (record --net) weighs bytes, not samples: its
	// stacks get a value of their own, so no viewer adds the two.
	bool has_net = false;
	for (FrameId f = 0; f < tree.frames().size() && !has_net; f++)
		has_net = classify_frame(tree.frames().name(f)) == FrameKind::net;
	if (has_net) {
		auto *net = p.add_sample_type();
		net->set_type(str("net"));
		net->set_unit(str("bytes"));
	}

	constexpr uint64_t unset = 0;
	std::vector<uint64_t> loc_of(tree.frames().size(), unset);  // FrameId -> location id
	for_each_stack(tree, [&](std::span<const StackTree::NodeId> path, double self) {
		int64_t value = std::llround(self);
		if (value <= 0) {
			++st.dropped;
			return;
		}
		auto *sample = p.add_sample();
		for (size_t i = path.size(); i-- > 0;) {
			FrameId f = tree.node(path[i]).name;
			uint64_t &loc = loc_of[f];
			if (loc == unset) {
				loc = static_cast<uint64_t>(p.function_size()) + 1;
				auto *fn = p.add_function();
				fn->set_id(loc);
				int64_t name = str(tree.name(path[i]));
				fn->set_name(name);
				fn->set_system_name(name);
				auto *l = p.add_location();
				l->set_id(loc);
				l->add_line()->set_function_id(loc);
			}
			sample->add_location_id(loc);
		}
		bool net = has_net && tree.kind(path.back()) == FrameKind::net;
		sample->add_value(net ? 0 : value);
		if (has_net)
			sample->add_value(net ? value : 0);
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

Result<std::string> to_pprof(const StackTree &tree, PprofStats *stats)
{
	std::string msg = to_pprof_message(tree, stats);
	if (msg.size() > std::numeric_limits<uInt>::max())
		return fail(ExitCode::internal, "pprof: profile too large to compress in one piece");
	return gzip_bytes(msg);
}

}  // namespace xpu
