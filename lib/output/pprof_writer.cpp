#include "output/pprof_writer.hpp"

#include <limits>

#include <zlib.h>

#include "profile.pb.h"
#include "output/writer_table.hpp"
#include "profile/stack_tree.hpp"

namespace xpu {

namespace {

constexpr std::string_view kInlineMarker = "_[i]";

}  // namespace

PprofType pprof_type(PprofColumn c, const char *time_unit)
{
	switch (c) {
	case PprofColumn::samples: return {"samples", "count"};
	case PprofColumn::cpu_ns: return {"cpu", "nanoseconds"};
	case PprofColumn::offcpu: return {"offcpu", time_unit};
	case PprofColumn::gpu_wait: return {"gpu_wait", time_unit};
	case PprofColumn::gpu: return {"gpu", time_unit};
	case PprofColumn::gpu_launches: return {"gpu_launches", "count"};
	case PprofColumn::net: return {"net", "bytes"};
	}
	return {"", ""};
}

bool is_inlined_frame(std::string_view frame)
{
	return classify_frame(frame) == FrameKind::inlined;
}

size_t PprofWriter::LocationHash::operator()(const LocationKey &k) const
{
	uint64_t h = k.mapping * 0x9e3779b97f4a7c15ULL ^ k.address;
	for (uint64_t f : k.lines)
		h = (h ^ f) * 0x100000001b3ULL;
	return std::hash<uint64_t>()(h);
}

PprofWriter::PprofWriter() : p_(std::make_unique<perftools::profiles::Profile>())
{
	p_->add_string_table("");
}

PprofWriter::~PprofWriter() = default;

int64_t PprofWriter::add_string(std::string_view s)
{
	p_->add_string_table(valid_utf8(s));  // proto3 strings must be UTF-8
	return static_cast<int64_t>(p_->string_table_size() - 1);
}

int64_t PprofWriter::string(std::string_view s)
{
	if (s.empty())
		return 0;
	auto it = strings_.find(s);
	if (it == strings_.end())
		it = strings_.emplace(std::string(s), static_cast<uint64_t>(add_string(s))).first;
	return static_cast<int64_t>(it->second);
}

void PprofWriter::add_sample_type(std::string_view type, std::string_view unit)
{
	auto *t = p_->add_sample_type();
	t->set_type(add_string(type));
	t->set_unit(add_string(unit));
	if (p_->sample_type_size() == 1)
		p_->set_default_sample_type(t->type());
}

void PprofWriter::set_period(std::string_view type, std::string_view unit, int64_t period)
{
	auto *pt = p_->mutable_period_type();
	pt->set_type(add_string(type));
	pt->set_unit(add_string(unit));
	p_->set_period(period);
}

void PprofWriter::set_time(int64_t time_nanos, int64_t duration_nanos)
{
	p_->set_time_nanos(time_nanos);
	p_->set_duration_nanos(duration_nanos);
}

uint64_t PprofWriter::function(std::string_view frame)
{
	auto it = functions_.find(frame);
	if (it == functions_.end()) {
		it = functions_.emplace(std::string(frame), p_->function_size() + 1).first;
		auto *fn = p_->add_function();
		fn->set_id(it->second);
		if (is_inlined_frame(frame))
			frame.remove_suffix(kInlineMarker.size());
		int64_t name = add_string(frame);
		fn->set_name(name);
		fn->set_system_name(name);
	}
	return it->second;
}

uint64_t PprofWriter::mapping(const PprofMapping &m)
{
	int64_t file = string(m.file);
	int64_t build_id = string(m.build_id);
	auto [it, fresh] = mappings_.try_emplace({m.start, m.limit, m.offset, file, build_id}, 0);
	if (fresh) {
		it->second = static_cast<uint64_t>(p_->mapping_size()) + 1;
		auto *pm = p_->add_mapping();
		pm->set_id(it->second);
		pm->set_memory_start(m.start);
		pm->set_memory_limit(m.limit);
		pm->set_file_offset(m.offset);
		pm->set_filename(file);
		pm->set_build_id(build_id);
		// Every location in it carries its function names already.
		pm->set_has_functions(true);
		pm->set_has_inline_frames(m.inline_frames);
	}
	return it->second;
}

uint64_t PprofWriter::location(std::span<const std::string_view> frames, uint64_t mapping,
			       uint64_t address)
{
	// Functions are made innermost first, the order the lines list them.
	key_.mapping = mapping;
	key_.address = address;
	key_.lines.clear();
	for (size_t i = frames.size(); i-- > 0;)
		key_.lines.push_back(function(frames[i]));
	if (auto it = locations_.find(key_); it != locations_.end())
		return it->second;
	uint64_t id = static_cast<uint64_t>(p_->location_size()) + 1;
	locations_.emplace(key_, id);
	auto *l = p_->add_location();
	l->set_id(id);
	l->set_mapping_id(mapping);
	l->set_address(address);
	for (uint64_t f : key_.lines)
		l->add_line()->set_function_id(f);
	return id;
}

void PprofWriter::put_mapping_first(uint64_t id)
{
	if (id <= 1 || id > static_cast<uint64_t>(p_->mapping_size()))
		return;
	auto *ms = p_->mutable_mapping();
	ms->SwapElements(0, static_cast<int>(id - 1));
	ms->Mutable(0)->set_id(1);
	ms->Mutable(static_cast<int>(id - 1))->set_id(id);
	for (auto &l : *p_->mutable_location()) {
		if (l.mapping_id() == id)
			l.set_mapping_id(1);
		else if (l.mapping_id() == 1)
			l.set_mapping_id(id);
	}
	for (auto &[key, m] : mappings_)
		m = m == id ? 1 : m == 1 ? id : m;
	// Location keys hold mapping ids too: rekeyed, so that later
	// lookups find the renumbered locations.
	std::unordered_map<LocationKey, uint64_t, LocationHash> rekeyed;
	for (auto &[key, l] : locations_) {
		LocationKey k = key;
		k.mapping = k.mapping == id ? 1 : k.mapping == 1 ? id : k.mapping;
		rekeyed.emplace(std::move(k), l);
	}
	locations_ = std::move(rekeyed);
}

void PprofWriter::add_sample(std::span<const uint64_t> locations_leaf_first,
			     std::span<const int64_t> values, std::span<const PprofLabel> labels)
{
	auto *s = p_->add_sample();
	for (uint64_t l : locations_leaf_first)
		s->add_location_id(l);
	for (int64_t v : values)
		s->add_value(v);
	for (const PprofLabel &l : labels) {
		auto *pl = s->add_label();
		pl->set_key(l.key);
		if (l.str)
			pl->set_str(l.str);
		else
			pl->set_num(l.num);
	}
}

size_t PprofWriter::samples() const { return static_cast<size_t>(p_->sample_size()); }
size_t PprofWriter::functions() const { return static_cast<size_t>(p_->function_size()); }
size_t PprofWriter::mappings() const { return static_cast<size_t>(p_->mapping_size()); }

std::string PprofWriter::serialize() const
{
	std::string out;
	p_->SerializeToString(&out);
	return out;
}

Result<std::string> gzip_bytes(const std::string &data)
{
	if (data.size() > std::numeric_limits<uInt>::max())
		return fail(ExitCode::internal, "pprof: profile too large to compress in one piece");
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

}  // namespace xpu
