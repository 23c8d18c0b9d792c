#include "profile/event.hpp"

#include <utility>

namespace xpu {

namespace {

Event counted(EventKind kind, ThreadStacks where, uint64_t weight, uint64_t count)
{
	Event e;
	e.kind = kind;
	e.where = std::move(where);
	e.weight = weight;
	e.count = count;
	return e;
}

}  // namespace

const char *unit_name(EventKind k)
{
	switch (k) {
	case EventKind::cpu_sample: return "samples";
	case EventKind::off_cpu:
	case EventKind::gpu_work:
	case EventKind::gpu_wait: return "ns";
	case EventKind::gpu_launch: return "launches";
	case EventKind::net_io: return "bytes";
	case EventKind::gpu_call: return "calls";
	}
	return "?";
}

Event cpu_sample_event(ThreadStacks where, uint64_t samples)
{
	return counted(EventKind::cpu_sample, std::move(where), samples, samples);
}

Event offcpu_event(ThreadStacks where, OffCpuAttrs attrs, uint64_t ns, uint64_t waits)
{
	Event e = counted(EventKind::off_cpu, std::move(where), ns, waits);
	e.attrs = std::make_shared<const EventAttrs>(std::move(attrs));
	return e;
}

Event gpu_event(EventKind kind, ThreadStacks where, GpuAttrs attrs, uint64_t weight, uint64_t count)
{
	Event e = counted(kind, std::move(where), weight, count);
	e.attrs = std::make_shared<const EventAttrs>(std::move(attrs));
	return e;
}

Event net_event(ThreadStacks where, NetAttrs attrs, uint64_t bytes, uint64_t calls)
{
	Event e = counted(EventKind::net_io, std::move(where), bytes, calls);
	e.attrs = std::make_shared<const EventAttrs>(std::move(attrs));
	return e;
}

}  // namespace xpu
