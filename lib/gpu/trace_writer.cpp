#include "gpu/trace_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "base/output_file.hpp"
#include "gpu/gpu_frames.hpp"
#include "output/export_pprof.hpp"  // gzip_bytes
#include "output/writer_table.hpp"  // json_string
#include "profile/profile_builder.hpp"  // offcpu_frame

namespace xpu {

namespace {

// ns -> "µs.fff": exact, as Kineto writes them.
std::string us(uint64_t ns) { return fmt::format("{}.{:03}", ns / 1000, ns % 1000); }

}  // namespace

std::string gpu_work_name(const GpuActivity &a)
{
	std::string leaf = gpu_leaf_frame(a);
	switch (a.kind) {
	case GpuKind::kernel:
		return leaf.substr(std::string_view(kGpuKernelPrefix).size());
	case GpuKind::memcpy:
		return "Memcpy " + leaf.substr(std::string_view(kGpuMemcpyPrefix).size());
	case GpuKind::memset:
		return "Memset";
	}
	return leaf;
}

const char *gpu_work_category(GpuKind k)
{
	switch (k) {
	case GpuKind::kernel: return "kernel";
	case GpuKind::memcpy: return "gpu_memcpy";
	case GpuKind::memset: return "gpu_memset";
	}
	return "gpu";
}

namespace {

// The document, appended to as events come: one copy of it in memory (a
// second of ping-pong under --trace-off-cpu is 100k events).
class Events {
public:
	Events() : s_("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n") {}
	void add(const std::string &e)
	{
		if (any_)
			s_ += ",\n";
		s_ += e;
		any_ = true;
	}
	std::string join() &&
	{
		s_ += any_ ? "\n]}\n" : "]}\n";
		return std::move(s_);
	}

private:
	std::string s_;
	bool any_ = false;
};

std::string meta(const char *what, int64_t pid, int64_t tid, const std::string &name)
{
	return fmt::format(R"({{"ph":"M","name":"{}","pid":{},"tid":{},"args":{{"name":{}}}}})", what,
			   pid, tid, json_string(name));
}

std::string flow(char ph, uint64_t id, int64_t pid, int64_t tid, uint64_t ts)
{
	return fmt::format(R"({{"ph":"{}","cat":"ac2g","name":"ac2g","id":{},"pid":{},"tid":{},"ts":{}{}}})",
			   ph, id, pid, tid, us(ts), ph == 'f' ? R"(,"bp":"e")" : "");
}

std::string stack_array(const std::vector<std::string> &frames)
{
	std::string s;
	for (const auto &f : frames)
		s += (s.empty() ? "" : ",") + json_string(f);
	return "[" + s + "]";
}

std::string call_event(const TraceApiCall &c)
{
	return fmt::format(R"({{"ph":"X","cat":"{}","name":{},"pid":{},"tid":{},"ts":{},"dur":{},)"
			   R"("args":{{"correlation":{},"stack":{}}}}})",
			   c.driver ? "cuda_driver" : "cuda_runtime", json_string(c.api), c.pid, c.tid,
			   us(c.start), us(c.end > c.start ? c.end - c.start : 0), c.corr,
			   stack_array(c.stack));
}

std::string wait_event(const TraceWait &w)
{
	std::string parts;
	for (const auto &[what, ns] : w.waited_for)
		parts += fmt::format("{}{}:{}", parts.empty() ? "" : ",", json_string(what), us(ns));
	return fmt::format(R"({{"ph":"X","cat":"cuda_sync","name":{},"pid":{},"tid":{},"ts":{},"dur":{},)"
			   R"("args":{{"correlation":{},"stack":{},"waited for":{{{}}}}}}})",
			   json_string(w.api), w.pid, w.tid, us(w.start),
			   us(w.end > w.start ? w.end - w.start : 0), w.corr, stack_array(w.stack), parts);
}

// `stack`: the interval's stack as a JSON array, written once per distinct
// stack (waits share a few).
std::string offcpu_event(const TraceOffCpu &o, const std::string &stack)
{
	return fmt::format(R"({{"ph":"X","cat":"off_cpu","name":{},"pid":{},"tid":{},"ts":{},"dur":{},)"
			   R"("args":{{"state":{},"stack":{}}}}})",
			   json_string(offcpu_frame(o.state)), o.pid, o.tid, us(o.start),
			   us(o.end > o.start ? o.end - o.start : 0),
			   json_string(std::string(1, o.state)), stack);
}

std::string gpu_event(const GpuActivity &a)
{
	std::string args = fmt::format(R"("device":{},"stream":{},"correlation":{})", a.device,
				       a.stream, a.corr);
	if (a.kind != GpuKind::kernel)
		args += fmt::format(R"(,"bytes":{})", a.bytes);
	if (a.graph_id)
		args += fmt::format(R"(,"graph id":{})", a.graph_id);
	// The node tells a graph's kernels apart: they share the launch's
	// correlation id, and speedscope keys a slice by its name and args, so
	// two same-named kernels back to back would be one frame there (a 20 ms
	// bar for four 5 ms kernels) without it.
	if (a.graph_node)
		args += fmt::format(R"(,"graph node":{})", a.graph_node);
	return fmt::format(R"({{"ph":"X","cat":"{}","name":{},"pid":{},"tid":{},"ts":{},"dur":{},"args":{{{}}}}})",
			   gpu_work_category(a.kind), json_string(gpu_work_name(a)), a.device, a.stream, us(a.start),
			   us(a.ns()), args);
}

}  // namespace

std::string trace_json(const TraceInput &in)
{
	std::vector<const TraceApiCall *> calls;
	for (const auto &c : in.calls)
		calls.push_back(&c);
	std::sort(calls.begin(), calls.end(), [](auto *a, auto *b) {
		return std::tie(a->start, a->pid, a->tid, a->corr) < std::tie(b->start, b->pid, b->tid, b->corr);
	});
	std::vector<const GpuActivity *> gpu;
	for (const auto &a : in.gpu)
		gpu.push_back(&a);
	std::sort(gpu.begin(), gpu.end(), [](auto *a, auto *b) {
		return std::tie(a->start, a->device, a->stream, a->corr) <
		       std::tie(b->start, b->device, b->stream, b->corr);
	});

	Events ev;
	// Names first: CPU processes and threads, then GPU devices and streams.
	for (const auto &[pid, name] : in.process_names)
		ev.add(meta("process_name", pid, 0, name));
	for (const auto &[key, name] : in.thread_names)
		ev.add(meta("thread_name", key.first, key.second, name));
	std::set<uint32_t> devices;
	std::set<std::pair<uint32_t, uint32_t>> streams;
	for (const auto *a : gpu) {
		devices.insert(a->device);
		streams.insert({a->device, a->stream});
	}
	for (uint32_t d : devices)
		ev.add(meta("process_name", d, 0, fmt::format("GPU {}", d)));
	for (auto [d, s] : streams)
		ev.add(meta("thread_name", d, s, fmt::format("stream {}", s)));

	// Which GPU records each call launched, in start order.
	std::map<std::pair<pid_t, uint32_t>, std::vector<const GpuActivity *>> work;
	for (const auto *a : gpu)
		work[{a->pid, a->corr}].push_back(a);
	std::map<pid_t, uint64_t> process_index;
	for (const auto *c : calls)
		process_index.try_emplace(c->pid, process_index.size());

	for (const auto *c : calls) {
		ev.add(call_event(*c));
		auto it = work.find({c->pid, c->corr});
		if (it == work.end())
			continue;
		for (size_t i = 0; i < it->second.size(); i++) {
			const GpuActivity &a = *it->second[i];
			uint64_t id = process_index[c->pid] << 40 | uint64_t(i) << 32 | c->corr;
			ev.add(flow('s', id, c->pid, c->tid, c->start));
			ev.add(flow('f', id, a.device, a.stream, a.start));
		}
	}
	std::vector<const TraceWait *> waits;
	for (const auto &w : in.waits)
		waits.push_back(&w);
	std::sort(waits.begin(), waits.end(), [](auto *a, auto *b) {
		return std::tie(a->start, a->pid, a->tid, a->corr) < std::tie(b->start, b->pid, b->tid, b->corr);
	});
	for (const auto *w : waits)
		ev.add(wait_event(*w));
	std::vector<const TraceOffCpu *> offcpu;
	for (const auto &o : in.offcpu)
		offcpu.push_back(&o);
	std::sort(offcpu.begin(), offcpu.end(), [](auto *a, auto *b) {
		return std::tie(a->start, a->pid, a->tid) < std::tie(b->start, b->pid, b->tid);
	});
	std::map<const std::vector<std::string> *, std::string> stacks;
	for (const auto *o : offcpu) {
		auto it = stacks.find(o->stack.get());
		if (it == stacks.end()) {
			std::string json = o->stack ? stack_array(*o->stack) : "[]";
			it = stacks.emplace(o->stack.get(), std::move(json)).first;
		}
		ev.add(offcpu_event(*o, it->second));
	}
	for (const auto *a : gpu)
		ev.add(gpu_event(*a));
	return std::move(ev).join();
}

Result<void> write_trace(const TraceInput &in, OutputFile &out)
{
	const std::string &path = out.path();
	std::string bytes = trace_json(in);
	if (path.ends_with(".gz")) {
		auto z = gzip_bytes(bytes);
		if (!z)
			return std::unexpected(z.error());
		bytes = std::move(*z);
	}
	if (std::fwrite(bytes.data(), 1, bytes.size(), out.stream()) != bytes.size())
		return sys_fail(ExitCode::environment, errno, "write {}", path);
	return out.commit();
}

}  // namespace xpu
