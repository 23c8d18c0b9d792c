#include "output/pprof_record.hpp"

#include <cmath>
#include <map>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "output/pprof_writer.hpp"

namespace xpu {

namespace {

PprofColumn column_of(EventKind k)
{
	switch (k) {
	case EventKind::cpu_sample: return PprofColumn::samples;
	case EventKind::off_cpu: return PprofColumn::offcpu;
	case EventKind::gpu_work: return PprofColumn::gpu;
	case EventKind::gpu_wait: return PprofColumn::gpu_wait;
	case EventKind::gpu_launch: return PprofColumn::gpu_launches;
	case EventKind::net_io: return PprofColumn::net;
	case EventKind::gpu_call: break;  // timed only (weight 0): never a sample
	}
	return PprofColumn::samples;
}

// The columns of the layers the set has weights from: on-CPU samples and
// time always; the off-CPU column too when the layer counted waits at all.
// Timed copies (weight 0, whatever their times) add no column.
std::vector<bool> columns_present(const EventSet &set)
{
	std::vector<bool> present(kPprofColumns, false);
	auto set_on = [&](PprofColumn c) { present[static_cast<size_t>(c)] = true; };
	set_on(PprofColumn::samples);
	set_on(PprofColumn::cpu_ns);
	for (const Event &e : set.events)
		if (e.weight || (e.kind == EventKind::off_cpu && !e.timed()))
			set_on(column_of(e.kind));
	return present;
}

// Samples with the same stack, thread and column are one, their values
// summed: the counts of one thread are one per stack already, but two
// stacks can symbolize alike.
struct SampleKey {
	std::vector<uint64_t> locations;
	std::vector<PprofLabel> labels;
	auto operator<=>(const SampleKey &) const = default;
};

class RecordPprof {
public:
	RecordPprof(const EventSet &set, const StackLayout &layout, const PprofRecordOptions &opts);
	void add(const StackSample &s);
	std::string finish(PprofRecordStats *stats);

private:
	uint64_t mapping(const CodeMapping *m);
	void locations(const StackFrames &frames);
	void labels(const StackSample &s);

	PprofWriter w_;
	const PprofRecordOptions opts_;
	double period_ns_;
	int index_[kPprofColumns];
	size_t columns_ = 0;
	int64_t keys_[5];  // pid, tid, comm, gpu_device, gpu_stream
	std::unordered_map<const CodeMapping *, uint64_t> mappings_;
	std::map<uint64_t, uint64_t> main_binary_uses_;  // mapping id -> samples in it
	std::map<SampleKey, size_t> sample_index_;
	std::vector<std::vector<int64_t>> values_;
	std::vector<std::string_view> run_;
	SampleKey key_;
};

RecordPprof::RecordPprof(const EventSet &set, const StackLayout &layout,
			 const PprofRecordOptions &opts)
    : opts_(opts), period_ns_(1e9 / layout.freq)
{
	std::vector<bool> present = columns_present(set);
	for (int c = 0; c < kPprofColumns; c++) {
		index_[c] = present[static_cast<size_t>(c)] ? static_cast<int>(columns_++) : -1;
		if (index_[c] >= 0) {
			PprofType t = pprof_type(static_cast<PprofColumn>(c), "nanoseconds");
			w_.add_sample_type(t.type, t.unit);
		}
	}
	w_.set_period("cpu", "nanoseconds", std::llround(period_ns_));
	w_.set_time(opts.time_nanos, opts.duration_nanos);
	const char *names[5] = {"pid", "tid", "comm", "gpu_device", "gpu_stream"};
	for (int k = 0; k < 5; k++)
		keys_[k] = w_.string(names[k]);
}

uint64_t RecordPprof::mapping(const CodeMapping *m)
{
	if (!m)
		return 0;
	auto [it, fresh] = mappings_.try_emplace(m, 0);
	if (fresh) {
		it->second = w_.mapping({.start = m->start,
					 .limit = m->end,
					 .offset = m->offset,
					 .file = m->path,
					 .build_id = m->build_id,
					 .inline_frames = opts_.inlines});
	}
	return it->second;
}

// The stack's Locations, leaf first, into key_.locations: each frame with
// the frames inlined into it (they follow it, toward the leaf).
void RecordPprof::locations(const StackFrames &frames)
{
	key_.locations.clear();
	const auto &names = frames.names;
	uint64_t main_binary = 0;
	for (size_t end = names.size(); end > 0;) {
		// An inlined frame shares its caller's address; one that does
		// not follow its caller (a waker's stack is leaf first) is a
		// location of its own.
		size_t begin = end - 1;
		while (begin > 0 && is_inlined_frame(names[begin]) &&
		       frames.where[begin - 1].addr == frames.where[begin].addr &&
		       frames.where[begin - 1].mapping == frames.where[begin].mapping)
			begin--;
		run_.assign(names.begin() + static_cast<std::ptrdiff_t>(begin),
			    names.begin() + static_cast<std::ptrdiff_t>(end));
		const FrameAddress &at = frames.where[begin];
		uint64_t m = mapping(at.mapping);
		if (at.mapping && at.mapping->main_binary)
			main_binary = m;
		key_.locations.push_back(w_.location(run_, m, at.mapping ? at.addr : 0));
		end = begin;
	}
	if (main_binary)
		main_binary_uses_[main_binary]++;
}

void RecordPprof::labels(const StackSample &s)
{
	auto &l = key_.labels;
	l.clear();
	const ThreadStacks &t = s.event.where;
	l.push_back({keys_[0], 0, t.pid});
	if (t.tid)
		l.push_back({keys_[1], 0, t.tid});
	l.push_back({keys_[2], w_.string(t.comm), 0});
	if (!s.gpu_device.empty()) {
		l.push_back({keys_[3], w_.string(s.gpu_device), 0});
		l.push_back({keys_[4], w_.string(s.gpu_stream), 0});
	}
}

void RecordPprof::add(const StackSample &s)
{
	locations(s.frames);
	labels(s);
	PprofColumn col = column_of(s.event.kind);
	// Each column its own sample: an on-CPU and an off-CPU count of one
	// stack stay apart (as in report's export, where each is a stack).
	key_.labels.push_back({0, 0, static_cast<int64_t>(col)});
	auto [it, fresh] = sample_index_.try_emplace(key_, values_.size());
	if (fresh)
		values_.emplace_back(columns_, 0);
	key_.labels.pop_back();
	std::vector<int64_t> &v = values_[it->second];
	v[static_cast<size_t>(index_[static_cast<int>(col)])] += static_cast<int64_t>(s.event.weight);
	if (col == PprofColumn::samples)
		v[static_cast<size_t>(index_[static_cast<int>(PprofColumn::cpu_ns)])] +=
		    std::llround(static_cast<double>(s.event.weight) * period_ns_);
}

std::string RecordPprof::finish(PprofRecordStats *stats)
{
	for (const auto &[key, index] : sample_index_) {
		std::span<const PprofLabel> labels(key.labels);
		w_.add_sample(key.locations, values_[index], labels.first(labels.size() - 1));
	}
	// The executable most stacks ran in is the main binary: mapping 1.
	uint64_t main = 0, most = 0;
	for (const auto &[id, uses] : main_binary_uses_)
		if (uses > most)
			std::tie(main, most) = std::pair{id, uses};
	if (main)
		w_.put_mapping_first(main);
	if (stats)
		*stats = {w_.samples(), w_.functions(), w_.mappings()};
	return w_.serialize();
}

}  // namespace

std::string record_pprof_message(const EventSet &set, Symbolizer &sym, const StackLayout &layout,
				 const PprofRecordOptions &opts, PprofRecordStats *stats)
{
	RecordPprof out(set, layout, opts);
	for_each_sample(set, sym, layout, true, nullptr, [&](const StackSample &s) { out.add(s); });
	return out.finish(stats);
}

Result<std::string> record_pprof(const EventSet &set, Symbolizer &sym, const StackLayout &layout,
				 const PprofRecordOptions &opts, PprofRecordStats *stats)
{
	return gzip_bytes(record_pprof_message(set, sym, layout, opts, stats));
}

}  // namespace xpu
