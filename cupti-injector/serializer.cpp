#include "serializer.hpp"

namespace xpu::injector {

uint32_t timing_flags(uint64_t start, uint64_t end)
{
	if (start == 0 && end == 0)
		return proto::kFlagNoTimestamps;
	if (end == 0 || end < start)
		return proto::kFlagIncomplete;
	return 0;
}

std::string string_line(uint32_t pid, uint32_t id, std::string_view name)
{
	std::string s;
	LineBuilder(s, 'S', pid).num(id).num(name.size());
	s += '\t';
	// Escape until the line would pass kMaxFrame with its newline; never
	// split an escape sequence.
	size_t limit = proto::kMaxFrame - 1;
	for (char c : name) {
		size_t need = (c == '\\' || c == '\t' || c == '\n') ? 2 : 1;
		if (s.size() + need > limit)
			break;
		append_escaped(s, std::string_view(&c, 1));
	}
	s += '\n';
	return s;
}

uint32_t Serializer::name_id(const char *name, FrameBuilder &out)
{
	if (!name)
		return 0;
	auto [it, inserted] = names_.try_emplace(name, Name{static_cast<uint32_t>(names_.size() + 1), false});
	if (!it->second.sent) {
		out.add(string_line(pid_, it->second.id, it->first), false);
		it->second.sent = true;
	}
	return it->second.id;
}

void Serializer::resend_names()
{
	for (auto &[_, n] : names_)
		n.sent = false;
}

void Serializer::kernel(const CUpti_ActivityKernel10 &k, FrameBuilder &out)
{
	uint32_t name = name_id(k.name, out);
	uint32_t flags = timing_flags(k.start, k.end);
	if (new_fields() && k.isDeviceLaunched)
		flags |= proto::kFlagDeviceLaunched;
	line_.clear();
	LineBuilder(line_, 'K', pid_)
		.num(k.correlationId)
		.num(k.start)
		.num(k.end)
		.num(k.deviceId)
		.num(k.contextId)
		.num(k.streamId)
		.num(name)
		.num(k.graphId)
		.num(k.graphNodeId)
		.num(static_cast<uint32_t>(k.gridX))
		.num(static_cast<uint32_t>(k.gridY))
		.num(static_cast<uint32_t>(k.gridZ))
		.num(static_cast<uint32_t>(k.blockX))
		.num(static_cast<uint32_t>(k.blockY))
		.num(static_cast<uint32_t>(k.blockZ))
		.num(flags)
		.end();
	out.add(line_, true);
}

template <class Copy>
void Serializer::memcpy_line(const Copy &m, uint32_t src_device, uint32_t dst_device, uint32_t flags,
			     FrameBuilder &out)
{
	line_.clear();
	LineBuilder(line_, 'M', pid_)
		.num(m.correlationId)
		.num(m.start)
		.num(m.end)
		.num(m.deviceId)
		.num(m.contextId)
		.num(m.streamId)
		.num(m.copyKind)
		.num(m.srcKind)
		.num(m.dstKind)
		.num(m.bytes)
		.num(src_device)
		.num(dst_device)
		.num(m.graphId)
		.num(flags)
		.end();
	out.add(line_, true);
}

void Serializer::memcpy(const CUpti_ActivityMemcpy6 &m, FrameBuilder &out)
{
	uint32_t flags = timing_flags(m.start, m.end);
	if (new_fields() && m.isDeviceLaunched)
		flags |= proto::kFlagDeviceLaunched;
	memcpy_line(m, m.deviceId, m.deviceId, flags, out);  // within one device
}

void Serializer::memcpy_p2p(const CUpti_ActivityMemcpyPtoP4 &m, FrameBuilder &out)
{
	memcpy_line(m, m.srcDeviceId, m.dstDeviceId, timing_flags(m.start, m.end), out);
}

void Serializer::memset(const CUpti_ActivityMemset4 &m, FrameBuilder &out)
{
	uint32_t flags = timing_flags(m.start, m.end);
	if (new_fields() && m.isDeviceLaunched)
		flags |= proto::kFlagDeviceLaunched;
	line_.clear();
	LineBuilder(line_, 'Z', pid_)
		.num(m.correlationId)
		.num(m.start)
		.num(m.end)
		.num(m.deviceId)
		.num(m.contextId)
		.num(m.streamId)
		.num(m.bytes)
		.num(m.value)
		.num(m.graphId)
		.num(flags)
		.end();
	out.add(line_, true);
}

void Serializer::sync(const CUpti_ActivitySynchronization2 &s, FrameBuilder &out)
{
	line_.clear();
	LineBuilder(line_, 'Y', pid_)
		.num(s.correlationId)
		.num(s.start)
		.num(s.end)
		.num(static_cast<uint32_t>(s.type))
		.num(s.contextId)
		.num(s.streamId)
		.num(s.cudaEventId)
		.end();
	out.add(line_, true);
}

void Serializer::api(const CUpti_ActivityAPI &a, FrameBuilder &out)
{
	line_.clear();
	LineBuilder(line_, 'A', pid_)
		.num(a.threadId)
		.num(a.correlationId)
		.word(a.kind == CUPTI_ACTIVITY_KIND_DRIVER ? "D" : "R")
		.num(a.cbid)
		.num(a.start)
		.num(a.end)
		.num(a.returnValue)
		.end();
	out.add(line_, true);
}

void Serializer::graph(const CUpti_ActivityGraphTrace2 &g, FrameBuilder &out)
{
	line_.clear();
	LineBuilder(line_, 'G', pid_)
		.num(g.correlationId)
		.num(g.start)
		.num(g.end)
		.num(g.deviceId)
		.num(g.graphId)
		.num(g.streamId)
		.end();
	out.add(line_, true);
}

bool Serializer::add(const CUpti_Activity &rec, FrameBuilder &out)
{
	// CUPTI hands out records 8-byte aligned, in the struct of their kind.
	switch (rec.kind) {
	case CUPTI_ACTIVITY_KIND_KERNEL:
	case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
		kernel(reinterpret_cast<const CUpti_ActivityKernel10 &>(rec), out);
		return true;
	case CUPTI_ACTIVITY_KIND_MEMCPY:
		memcpy(reinterpret_cast<const CUpti_ActivityMemcpy6 &>(rec), out);
		return true;
	case CUPTI_ACTIVITY_KIND_MEMCPY2:
		memcpy_p2p(reinterpret_cast<const CUpti_ActivityMemcpyPtoP4 &>(rec), out);
		return true;
	case CUPTI_ACTIVITY_KIND_MEMSET:
		memset(reinterpret_cast<const CUpti_ActivityMemset4 &>(rec), out);
		return true;
	case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION:
		sync(reinterpret_cast<const CUpti_ActivitySynchronization2 &>(rec), out);
		return true;
	case CUPTI_ACTIVITY_KIND_RUNTIME:
	case CUPTI_ACTIVITY_KIND_DRIVER:
		api(reinterpret_cast<const CUpti_ActivityAPI &>(rec), out);
		return true;
	case CUPTI_ACTIVITY_KIND_GRAPH_TRACE:
		graph(reinterpret_cast<const CUpti_ActivityGraphTrace2 &>(rec), out);
		return true;
	default:
		unknown_++;
		return false;
	}
}

}  // namespace xpu::injector
