#include "proto_lines.hpp"

#include <time.h>

#include <charconv>
#include <utility>

namespace xpu::injector {

void append_escaped(std::string &out, std::string_view s)
{
	for (char c : s) {
		switch (c) {
		case '\\': out += "\\\\"; break;
		case '\t': out += "\\t"; break;
		case '\n': out += "\\n"; break;
		default: out += c;
		}
	}
}

LineBuilder::LineBuilder(std::string &buf, char type, uint32_t pid) : buf_(buf)
{
	buf_ += type;
	num(pid);
}

LineBuilder &LineBuilder::num(uint64_t v)
{
	char tmp[24];
	auto r = std::to_chars(tmp, tmp + sizeof(tmp), v);
	buf_ += '\t';
	buf_.append(tmp, r.ptr);
	return *this;
}

LineBuilder &LineBuilder::word(std::string_view s)
{
	buf_ += '\t';
	buf_ += s;
	return *this;
}

LineBuilder &LineBuilder::text(std::string_view s)
{
	buf_ += '\t';
	append_escaped(buf_, s);
	return *this;
}

void FrameBuilder::add(std::string_view line, bool is_record)
{
	if (line.size() > proto::kMaxFrame) {
		oversize_++;
		return;
	}
	if (cur_.bytes.size() + line.size() > proto::kMaxFrame) {
		frames_.push_back(std::move(cur_));
		cur_ = Frame{};
	}
	if (cur_.bytes.empty())
		cur_.bytes.reserve(proto::kMaxFrame);
	cur_.bytes += line;
	cur_.records += is_record ? 1 : 0;
}

std::vector<Frame> FrameBuilder::take()
{
	if (!cur_.bytes.empty()) {
		frames_.push_back(std::move(cur_));
		cur_ = Frame{};
	}
	return std::exchange(frames_, {});
}

std::string hello_line(uint32_t pid, uint32_t ppid, std::string_view clock, uint32_t cupti_version,
		       uint64_t mono_ns, std::string_view comm)
{
	std::string s;
	LineBuilder(s, 'H', pid)
		.word(proto::kProtoVersion)
		.num(ppid)
		.word(clock)
		.num(cupti_version)
		.num(mono_ns)
		.text(comm.substr(0, 256))
		.end();
	return s;
}

std::string stats_line(uint32_t pid, const StreamStats &st)
{
	std::string s;
	LineBuilder(s, 'D', pid)
		.num(st.cupti_dropped)
		.num(st.ring_dropped)
		.num(st.frames_dropped)
		.num(st.bytes)
		.num(st.records)
		.end();
	return s;
}

std::string warning_line(uint32_t pid, uint32_t code, std::string_view text)
{
	std::string s;
	LineBuilder(s, 'W', pid).num(code).text(text.substr(0, 1024)).end();
	return s;
}

std::string clock_line(uint32_t pid, uint64_t mono, uint64_t cupti, uint64_t uncertainty)
{
	std::string s;
	LineBuilder(s, 'C', pid).num(mono).num(cupti).num(uncertainty).end();
	return s;
}

std::string end_line(uint32_t pid, std::string_view reason, const StreamStats &st)
{
	std::string s;
	LineBuilder(s, 'E', pid)
		.word(reason)
		.num(st.records)
		.num(st.cupti_dropped + st.records_lost)
		.end();
	return s;
}

std::string api_name_line(uint32_t pid, uint32_t domain, uint32_t cbid, std::string_view name)
{
	std::string s;
	LineBuilder(s, 'N', pid).num(domain).num(cbid).text(name).end();
	return s;
}

uint64_t mono_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace xpu::injector
