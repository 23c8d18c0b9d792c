#include "kernel/bpf_session.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernel/bpf_util.hpp"
#include "base/log.hpp"
#include "bpf/common.h"
#include "bpf/python.h"
#include "xpu.skel.h"

namespace xpu {

namespace {

// Maps that grow with the profile are allocated on demand
// (BPF_F_NO_PREALLOC): the limits cost nothing until used. Kernels that
// refuse on-demand maps in perf_event and tracing programs (before 6.1) get
// smaller preallocated ones.
struct MapSizes {
	uint32_t counts, offcpu_counts, stacks, net_counts;
};
constexpr MapSizes kOnDemand = {65536, 65536, 32768, 16384};
constexpr MapSizes kPrealloc = {16384, 16384, 8192, 4096};

void size_maps(xpu_bpf &s, bool prealloc)
{
	const MapSizes &m = prealloc ? kPrealloc : kOnDemand;
	for (bpf_map *map : {s.maps.counts, s.maps.offcpu_counts, s.maps.stacks, s.maps.net_counts}) {
		if (!prealloc)
			bpf_map__set_map_flags(map, BPF_F_NO_PREALLOC);
	}
	bpf_map__set_max_entries(s.maps.counts, m.counts);
	bpf_map__set_max_entries(s.maps.offcpu_counts, m.offcpu_counts);
	bpf_map__set_max_entries(s.maps.stacks, m.stacks);
	bpf_map__set_max_entries(s.maps.net_counts, m.net_counts);
}

void size_unwind_maps(xpu_bpf &s, const BpfOptions &o)
{
	// Unwind tables are only loaded when something reads them.
	bool tables = o.call_graph != CallGraph::fp;
	bpf_map__set_max_entries(s.maps.unwind_rows, tables ? o.unwind_rows : 1);
}

// The off-CPU timeline's ring: 8 MiB when asked for (a record is 72 bytes
// and a header, so ~110k waits between two reads), else its smallest size.
void size_trace_ring(xpu_bpf &s, const BpfOptions &o)
{
	auto page = static_cast<uint32_t>(sysconf(_SC_PAGESIZE));
	bpf_map__set_max_entries(s.maps.offcpu_events, o.offcpu_trace ? 8u << 20 : page);
}

void configure(xpu_bpf &s, const BpfOptions &o)
{
	s.rodata->filter_pids = !o.all_processes;
	s.rodata->want_user = o.user_stacks;
	s.rodata->want_kernel = o.kernel_stacks;
	s.rodata->min_block_ns = o.min_block_ns;
	s.rodata->max_block_ns = o.max_block_ns;
	s.rodata->want_wakers = o.wakers;
	s.rodata->trace_waits = o.offcpu && o.offcpu_trace;
	s.rodata->drop_switch_ins = o.drop_switch_ins;
	s.rodata->unwind_mode = bpf_unwind_mode(o.call_graph);
	// Our own user-stack walker needs bpf_loop (5.17); without it the
	// verifier prunes the walker (a constant branch) and bpf_get_stack
	// walks instead.
	s.rodata->walk_user_stacks = kernel_has_bpf_loop();
	if (!s.rodata->walk_user_stacks)
		log::info("no bpf_loop in this kernel: user stacks through bpf_get_stack");
	// Programs of layers that are off are not even loaded.
	bpf_program__set_autoload(s.progs.on_cpu_sample, o.oncpu);
	bpf_program__set_autoload(s.progs.on_switch, o.offcpu);
	bpf_program__set_autoload(s.progs.on_waking, o.offcpu && o.wakers);
	bpf_program__set_autoload(s.progs.flush_open, o.offcpu);
	bpf_program__set_autoload(s.progs.cut_window, o.offcpu && o.windows);
	bpf_program__set_autoload(s.progs.on_launch_hook, o.gpu_hook);
	bpf_program__set_autoload(s.progs.on_launch_entry, o.gpu_entries);
	bpf_program__set_autoload(s.progs.on_sock_send, o.net_send);
	bpf_program__set_autoload(s.progs.on_sock_recv, o.net_recv);
	bpf_program__set_autoload(s.progs.on_retransmit, o.net_retransmit);
	bpf_program__set_autoload(s.progs.on_tcp_destroy, o.net_destroy);
}

Result<Skel<xpu_bpf>> open_and_load(const BpfOptions &opts, bool prealloc)
{
	// -vvv: the verifier's statistics for every program (instructions
	// processed, states), so a program growing towards the 1M limit shows.
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	if (log::level() >= log::Level::libbpf)
		open_opts.kernel_log_level = 4;  // BPF_LOG_STATS
	Skel<xpu_bpf> skel(xpu_bpf::open(&open_opts));
	if (!skel)
		return sys_fail(ExitCode::internal, errno, "open BPF object");
	configure(*skel, opts);
	size_maps(*skel, prealloc);
	size_unwind_maps(*skel, opts);
	size_trace_ring(*skel, opts);
	if (int err = xpu_bpf::load(skel.get()); err) {
		// Privileges were checked up front, so EPERM here is a lockdown or
		// a security module; EACCES is the verifier rejecting a program.
		if (err == -EPERM)
			return sys_fail(ExitCode::environment, err,
					"load BPF programs (root or CAP_BPF+CAP_PERFMON needed; "
					"is the kernel locked down?)");
		return sys_fail(ExitCode::environment, err,
				"the kernel rejected a BPF program (-vvv shows the verifier log)");
	}
	return skel;
}

ProcEvent to_event(const xpu_proc_event &e)
{
	ProcEvent ev{};
	ev.type = static_cast<ProcEvent::Type>(e.type);
	ev.pid = static_cast<pid_t>(e.pid);
	ev.gen = e.gen;
	ev.ppid = static_cast<pid_t>(e.ppid);
	ev.parent_gen = e.parent_gen;
	ev.bin = e.bin;
	ev.comm.assign(e.comm, strnlen(e.comm, sizeof(e.comm)));
	return ev;
}

}  // namespace

bool kernel_has_bpf_loop()
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_PERF_EVENT, BPF_FUNC_loop, nullptr) == 1;
}

struct BpfSession::Impl {
	BpfOptions opts;
	Skel<xpu_bpf> skel;
	RingBuffer events;
	std::vector<Link> tracepoints;
	const EventFn *on_event = nullptr;  // valid during consume() only
	std::string consume_error;
	StackStore sent_stacks;  // stacks the map could not take (XPU_EV_STACK)

	static int handle_event(void *ctx, void *data, size_t size) noexcept;
	void on_record(const void *data, size_t size);
};

void BpfSession::Impl::on_record(const void *data, size_t size)
{
	__u32 type = *static_cast<const __u32 *>(data);
	if (type == XPU_EV_STACK && size >= sizeof(xpu_stack_event)) {
		const auto &ev = *static_cast<const xpu_stack_event *>(data);
		uint32_t n = std::min<uint32_t>(ev.stack.nr, XPU_MAX_STACK_DEPTH);
		sent_stacks.try_emplace(ev.hash, ev.stack.ip, ev.stack.ip + n);
	} else if (type != XPU_EV_STACK && size >= sizeof(xpu_proc_event) && on_event) {
		(*on_event)(to_event(*static_cast<const xpu_proc_event *>(data)));
	}
}

// A C callback from libbpf: nothing may unwind through it.
int BpfSession::Impl::handle_event(void *ctx, void *data, size_t size) noexcept
{
	auto *self = static_cast<Impl *>(ctx);
	if (size < sizeof(__u32))
		return 0;
	try {
		self->on_record(data, size);
	} catch (const std::exception &e) {
		self->consume_error = e.what();
		return -1;
	}
	return 0;
}

BpfSession::BpfSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpfSession::~BpfSession() = default;

Result<std::unique_ptr<BpfSession>> BpfSession::open(const BpfOptions &opts)
{
	auto impl = std::make_unique<Impl>();
	impl->opts = opts;
	auto skel = open_and_load(opts, false);
	if (!skel && skel.error().exit != ExitCode::environment)
		return std::unexpected(skel.error());
	if (!skel) {
		log::debug("{}; retrying with preallocated maps", skel.error().msg);
		auto retry = open_and_load(opts, true);
		if (!retry)  // report the first error: it is the one that explains
			return std::unexpected(skel.error());
		skel = std::move(retry);
	}
	impl->skel = std::move(*skel);
	impl->events.reset(ring_buffer__new(bpf_map__fd(impl->skel->maps.events),
					    &Impl::handle_event, impl.get(), nullptr));
	if (!impl->events)
		return sys_fail(ExitCode::internal, errno, "create ring buffer");
	return std::unique_ptr<BpfSession>(new BpfSession(std::move(impl)));
}

Result<void> BpfSession::add_target(pid_t pid)
{
	__u32 key = static_cast<__u32>(pid);
	__u8 one = 1;
	if (bpf_map_update_elem(bpf_map__fd(impl_->skel->maps.targets), &key, &one, BPF_ANY))
		return sys_fail(ExitCode::internal, errno, "add target pid {}", pid);
	return {};
}

Result<void> BpfSession::track_processes()
{
	auto &s = *impl_->skel;
	for (bpf_program *prog : {s.progs.on_fork, s.progs.on_exec, s.progs.on_exit}) {
		Link link(bpf_program__attach(prog));
		if (!link)
			return sys_fail(ExitCode::environment, errno,
					"attach {} (needs BTF tracepoints, kernel >= 5.5)",
					bpf_program__name(prog));
		impl_->tracepoints.push_back(std::move(link));
	}
	return {};
}

void BpfSession::detach_process_tracking() { impl_->tracepoints.clear(); }

int BpfSession::events_fd() const { return ring_buffer__epoll_fd(impl_->events.get()); }

Result<void> BpfSession::consume(const EventFn &fn)
{
	impl_->on_event = &fn;
	int n = ring_buffer__consume(impl_->events.get());
	impl_->on_event = nullptr;
	if (!impl_->consume_error.empty())
		return fail(ExitCode::internal, "process event handler: {}", impl_->consume_error);
	if (n < 0)
		return sys_fail(ExitCode::internal, n, "read ring buffer");
	return {};
}

Result<StackStore> BpfSession::read_stacks() const
{
	StackStore out = impl_->sent_stacks;
	// 256 stacks (512 KB) a chunk, each kept at its own length.
	int err = read_entries_in_chunks<__u64, xpu_stack>(
		bpf_map__fd(impl_->skel->maps.stacks), 256,
		[&](const __u64 *hashes, const xpu_stack *stacks, size_t count) {
			for (size_t i = 0; i < count; i++) {
				uint32_t n = std::min<uint32_t>(stacks[i].nr, XPU_MAX_STACK_DEPTH);
				out.try_emplace(hashes[i], stacks[i].ip, stacks[i].ip + n);
			}
		});
	if (err)
		return sys_fail(ExitCode::internal, err, "read stacks");
	return out;
}

Result<void> BpfSession::fetch_stacks(const std::vector<uint64_t> &hashes, StackStore &cache) const
{
	int fd = bpf_map__fd(impl_->skel->maps.stacks);
	for (uint64_t h : hashes) {
		if (h == 0 || cache.contains(h))
			continue;
		xpu_stack st;
		if (bpf_map_lookup_elem(fd, &h, &st) == 0) {
			uint32_t n = std::min<uint32_t>(st.nr, XPU_MAX_STACK_DEPTH);
			cache.try_emplace(h, st.ip, st.ip + n);
		} else if (auto it = impl_->sent_stacks.find(h); it != impl_->sent_stacks.end()) {
			cache.emplace(h, it->second);
		} else if (errno != ENOENT) {
			return sys_fail(ExitCode::internal, errno, "read a stack");
		}
	}
	return {};
}

void BpfSession::forget_stacks(const std::vector<uint64_t> &hashes)
{
	int fd = bpf_map__fd(impl_->skel->maps.stacks);
	for (uint64_t h : hashes) {
		bpf_map_delete_elem(fd, &h);  // ENOENT: it came through the ring buffer
		impl_->sent_stacks.erase(h);
	}
}

namespace {

// py_stats holds one count array per CPU: their sum.
std::vector<__u64> python_counts(bpf_map *map)
{
	std::vector<__u64> sum(XPU_PY_STAT_MAX);
	int cpus = libbpf_num_possible_cpus();
	if (cpus <= 0)
		return sum;
	std::vector<xpu_py_stats> per_cpu(cpus);
	__u32 zero = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &zero, per_cpu.data()) != 0)
		return sum;
	for (const auto &c : per_cpu)
		for (int i = 0; i < XPU_PY_STAT_MAX; i++)
			sum[i] += c.n[i];
	return sum;
}

PyWalkStats python_walks(const std::vector<__u64> &st)
{
	PyWalkStats p;
	p.stacks = st[XPU_PY_STAT_STACKS];
	p.eval_calls = st[XPU_PY_STAT_EVAL_FRAMES];
	p.completed = st[XPU_PY_STAT_COMPLETE];
	p.frames = st[XPU_PY_STAT_FRAMES];
	const std::pair<int, const char *> reasons[] = {
		{XPU_PY_STAT_NO_TSS, "no-tss-key"},       {XPU_PY_STAT_NO_TSTATE, "no-thread-state"},
		{XPU_PY_STAT_READ, "read-fault"},         {XPU_PY_STAT_BAD_CODE, "bad-code-object"},
		{XPU_PY_STAT_NO_FRAME, "no-python-frame"}, {XPU_PY_STAT_DEPTH, "stack-full"},
	};
	for (auto [stat, name] : reasons)
		if (st[stat])
			p.failed.emplace_back(name, st[stat]);
	return p;
}

}  // namespace

BpfStats BpfSession::stats() const
{
	const auto *st = impl_->skel->bss->stats;
	BpfStats s;
	s.samples = st[XPU_STAT_SAMPLES];
	s.switches = st[XPU_STAT_SWITCHES];
	s.ustack_errors = st[XPU_STAT_USTACK_ERR];
	s.kstack_errors = st[XPU_STAT_KSTACK_ERR];
	s.stacks_lost = st[XPU_STAT_STACKS_LOST];
	s.stacks_sent = st[XPU_STAT_STACKS_SENT];
	s.counts_full = st[XPU_STAT_COUNTS_FULL];
	s.offcpu_full = st[XPU_STAT_OFFCPU_FULL] + st[XPU_STAT_THREADS_FULL];
	s.offcpu_filtered = st[XPU_STAT_OFFCPU_FILTERED];
	s.procs_full = st[XPU_STAT_PROCS_FULL];
	s.events_lost = st[XPU_STAT_EVENTS_LOST];
	s.launches = st[XPU_STAT_LAUNCHES];
	s.launches_lost = st[XPU_STAT_LAUNCHES_LOST];
	s.net_events = st[XPU_STAT_NET_EVENTS];
	s.net_full = st[XPU_STAT_NET_FULL];
	s.offcpu_trace_lost = st[XPU_STAT_OFFCPU_TRACE_LOST];
	s.offcpu_unseen = st[XPU_STAT_OFFCPU_UNSEEN];
	s.python = python_walks(python_counts(impl_->skel->maps.py_stats));
	return s;
}

const BpfOptions &BpfSession::options() const { return impl_->opts; }
xpu_bpf &BpfSession::skel() { return *impl_->skel; }

}  // namespace xpu
