#include "gpu/gpu_stream.hpp"

#include <charconv>

#include "gpu/gpu_protocol.h"

namespace xpu {

namespace {

constexpr size_t kExamples = 5;
// A line longer than a frame cannot come from a conforming writer.
constexpr size_t kMaxLine = gpu_proto::kMaxFrame;

std::vector<std::string_view> split_tabs(std::string_view l)
{
	std::vector<std::string_view> f;
	size_t at = 0;
	while (true) {
		size_t tab = l.find('\t', at);
		f.push_back(l.substr(at, tab == l.npos ? l.npos : tab - at));
		if (tab == l.npos)
			return f;
		at = tab + 1;
	}
}

template <class T>
bool num(std::string_view s, T &out)
{
	if (s.empty())
		return false;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
	return ec == std::errc() && p == s.data() + s.size();
}

// Fields f[first..first+n) as numbers; false if there are fewer or one is bad.
template <class... T>
bool nums(const std::vector<std::string_view> &f, size_t first, T &...out)
{
	if (f.size() < first + sizeof...(T))
		return false;
	size_t i = first;
	return (num(f[i++], out) && ...);
}

}  // namespace

std::string unescape_field(std::string_view s)
{
	std::string out;
	out.reserve(s.size());
	for (size_t i = 0; i < s.size(); i++) {
		if (s[i] != '\\' || i + 1 == s.size()) {
			out += s[i];
			continue;
		}
		char c = s[++i];
		out += c == 't' ? '\t' : c == 'n' ? '\n' : c;
	}
	return out;
}

GpuStreamParser::GpuStreamParser(Sink sink) : sink_(std::move(sink)) {}

void GpuStreamParser::feed(std::string_view bytes)
{
	while (!bytes.empty()) {
		size_t nl = bytes.find('\n');
		if (nl == bytes.npos) {
			partial_.append(bytes);
			if (partial_.size() > kMaxLine) {  // never ends: garbage
				malformed_++;
				partial_.clear();
			}
			return;
		}
		if (partial_.empty()) {
			line(bytes.substr(0, nl));
		} else {
			partial_.append(bytes.substr(0, nl));
			line(partial_);
			partial_.clear();
		}
		bytes.remove_prefix(nl + 1);
	}
}

void GpuStreamParser::finish()
{
	if (!partial_.empty()) {
		truncated_++;
		partial_.clear();
	}
}

void GpuStreamParser::line(std::string_view l)
{
	if (l.empty())
		return;
	auto f = split_tabs(l);
	pid_t pid = 0;
	bool ok = f.size() >= 2 && f[0].size() == 1 && num(f[1], pid) && pid > 0;
	if (ok) {
		GpuProcessStream &p = procs_[pid];
		if (p.refused && f[0] != "H")
			return;
		ok = parse(f[0], pid, f);
	}
	if (!ok) {
		malformed_++;
		if (examples_.size() < kExamples)
			examples_.emplace_back(l.substr(0, 200));
	}
}

uint64_t GpuStreamParser::to_mono(pid_t pid, uint64_t t) const
{
	auto it = clock_offset_.find(pid);
	if (t == 0 || it == clock_offset_.end())
		return t;
	int64_t v = static_cast<int64_t>(t) + it->second;
	return v > 0 ? static_cast<uint64_t>(v) : 0;
}

// The tail every activity record shares: its times into CLOCK_MONOTONIC,
// counted, handed on.
void GpuStreamParser::emit(GpuProcessStream &p, pid_t pid, GpuKind kind, GpuActivity &a)
{
	a.pid = pid;
	a.kind = kind;
	a.start = to_mono(pid, a.start);
	a.end = to_mono(pid, a.end);
	p.records++;
	if (sink_.activity)
		sink_.activity(a);
}

bool GpuStreamParser::parse(std::string_view type, pid_t pid, const std::vector<std::string_view> &f)
{
	GpuProcessStream &p = procs_[pid];
	switch (type[0]) {
	case 'H': {
		if (f.size() < 8)
			return false;
		p.hello = true;
		p.version = std::string(f[2]);
		int major = 0;
		num(p.version.substr(0, p.version.find('.')), major);
		p.refused = major != gpu_proto::kProtoMajor;
		if (p.refused)
			p.warnings.push_back("protocol " + p.version + " refused: this xpu-perf reads " +
					     gpu_proto::kProtoVersion);
		num(f[3], p.ppid);
		p.clock = std::string(f[4]);
		p.comm = unescape_field(f[7]);
		return true;
	}
	case 'C': {
		uint64_t mono = 0, cupti = 0;
		if (!nums(f, 2, mono, cupti))
			return false;
		clock_offset_[pid] = static_cast<int64_t>(mono) - static_cast<int64_t>(cupti);
		return true;
	}
	case 'S': {
		uint64_t id = 0, full = 0;
		if (f.size() < 5 || !nums(f, 2, id, full))
			return false;
		names_[pid][id] = unescape_field(f[4]);
		return true;
	}
	case 'N': {
		uint32_t domain = 0, cbid = 0;
		if (f.size() < 5 || !nums(f, 2, domain, cbid))
			return false;
		if (sink_.api_name)
			sink_.api_name(pid, domain, cbid, unescape_field(f[4]));
		return true;
	}
	case 'K': {
		GpuActivity a;
		uint64_t name_id = 0;
		uint32_t g[6];
		if (!nums(f, 2, a.corr, a.start, a.end, a.device, a.context, a.stream, name_id,
			  a.graph_id, a.graph_node, g[0], g[1], g[2], g[3], g[4], g[5], a.flags))
			return false;
		auto &names = names_[pid];
		auto it = names.find(name_id);
		a.name = it != names.end() ? it->second : "[unknown kernel]";
		emit(p, pid, GpuKind::kernel, a);
		return true;
	}
	case 'M': {
		GpuActivity a;
		uint32_t src_dev = 0, dst_dev = 0;
		if (!nums(f, 2, a.corr, a.start, a.end, a.device, a.context, a.stream, a.copy_kind,
			  a.src_kind, a.dst_kind, a.bytes, src_dev, dst_dev, a.graph_id, a.flags))
			return false;
		emit(p, pid, GpuKind::memcpy, a);
		return true;
	}
	case 'Z': {
		GpuActivity a;
		uint32_t value = 0;
		if (!nums(f, 2, a.corr, a.start, a.end, a.device, a.context, a.stream, a.bytes, value,
			  a.graph_id, a.flags))
			return false;
		emit(p, pid, GpuKind::memset, a);
		return true;
	}
	case 'Y': {
		GpuSync y;
		y.pid = pid;
		uint32_t context = 0;
		if (!nums(f, 2, y.corr))
			return false;
		p.syncs++;
		// corr start end sync_type context stream event_id
		if (sink_.sync && f.size() >= 8 && nums(f, 3, y.start, y.end, y.type, context, y.stream)) {
			y.start = to_mono(pid, y.start);
			y.end = to_mono(pid, y.end);
			sink_.sync(y);
		}
		return true;
	}
	case 'D': {
		uint64_t bytes = 0, records = 0;
		return nums(f, 2, p.cupti_dropped, p.ring_dropped, p.frames_dropped, bytes, records);
	}
	case 'E': {
		uint64_t records = 0, dropped = 0;
		if (f.size() < 5 || !nums(f, 3, records, dropped))
			return false;
		p.ended = true;
		p.end_reason = std::string(f[2]);
		return true;
	}
	case 'W':
		if (f.size() < 4)
			return false;
		p.warnings.push_back(unescape_field(f[3]));
		return true;
	case 'A': {
		GpuApiCall c;
		c.pid = pid;
		uint64_t ret = 0;
		if (f.size() < 9 || !nums(f, 2, c.tid, c.corr) || !nums(f, 5, c.cbid, c.start, c.end, ret))
			return false;
		c.driver = f[4] == "D";
		c.start = to_mono(pid, c.start);
		c.end = to_mono(pid, c.end);
		if (sink_.api_call)
			sink_.api_call(c);
		return true;
	}
	case 'X':
	case 'G':
		return true;  // carried for other readers; the profile needs none
	default:
		return true;  // a type a newer minor version added
	}
}

}  // namespace xpu
