#include "session/profile_session.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "kernel/cpu_sampler.hpp"
#include "base/fd.hpp"
#include "gpu/gpu_source.hpp"
#include "base/log.hpp"
#include "kernel/net_probe.hpp"
#include "kernel/net_tracer.hpp"
#include "kernel/offcpu_tracer.hpp"
#include "session/preflight.hpp"
#include "session/process_launcher.hpp"
#include "session/record_config.hpp"
#include "session/snapshot_schedule.hpp"
#include "session/timeline_input.hpp"
#include "session/python_prefetch.hpp"
#include "base/stop_signals.hpp"
#include "symbolize/symbolizer.hpp"
#include "kernel/unwind_loader.hpp"

namespace xpu {

namespace {

// How long the event loop builds unwind tables before it reads events
// again (at least one table per turn; libtorch_cpu's alone takes ~1 s).
constexpr auto kTableSlice = std::chrono::milliseconds(30);

using Clock = ProfileSession::Clock;

// The symbolizer keeps one descriptor per distinct mapped file so that
// files deleted or replaced meanwhile still resolve; with -a that can be
// thousands, past the usual soft limit of 1024.
void raise_fd_limit()
{
	rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

Fd open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return Fd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
#else
	(void)pid;
	return Fd();
#endif
}

void add_hashes(const ThreadStacks &t, std::vector<uint64_t> &out)
{
	out.push_back(t.ustack);
	out.push_back(t.kstack);
}

}  // namespace

struct ProfileSession::Impl {
	Impl(const RecordConfig &c, bool w)
		: cfg(c), windows(w), sym(SymbolizeOptions{.inlines = c.inlines,
						  .demangle = true,
						  .python_lines = c.python_lines,
						  .python_interpreter = c.python_interpreter,
						  .mappings = !c.pprof.empty()})
	{
	}

	Result<void> prepare_gpu();
	Result<void> start_sources();
	Result<void> probe_net(BpfOptions &bo);
	void on_event(const ProcEvent &e);
	bool snapshot(pid_t pid, uint32_t gen);
	void prepare_common_tables();
	void prepare_command_table();
	bool attached_pids_gone();
	void wait_for_activity(Clock::time_point until);
	Result<void> consume_events();
	bool ours(const ThreadStacks &t) const;
	void drop_our_own(EventSet &set) const;

	const RecordConfig &cfg;
	bool windows;
	Symbolizer sym;
	SnapshotSchedule schedule;
	std::optional<HeldProcess> child;
	Layers layers;
	std::unique_ptr<BpfSession> bpf;
	std::unique_ptr<UnwindLoader> unwind;  // unwind tables, unless --call-graph fp
	std::unique_ptr<CpuSampler> sampler;   // on-CPU layer, if on
	std::unique_ptr<OffCpuTracer> offcpu;  // off-CPU layer, if on
	std::unique_ptr<GpuSource> gpu;        // GPU layer, if on
	std::unique_ptr<NetTracer> net;        // network layer, if on
	std::vector<Event> gpu_final;          // the GPU layer's events after stop()
	// live --http's timeline: launch stacks by (pid, user stack id), named
	// when first seen (take_trace_window).
	std::map<std::pair<pid_t, uint64_t>, std::vector<std::string>> launch_frames_seen;
	Fd child_pidfd;
	// The command's first address space after its exec: before it, the
	// process was xpu-perf's own held child, waiting to be released.
	std::optional<uint32_t> command_gen;
	std::optional<StopSignals> stop_signals;  // while running
	std::optional<Clock::time_point> deadline;  // --duration, from the release
	Clock::time_point python_due{};  // next read of Python names (python_prefetch.hpp)
	StackStore python_stacks;        // stacks whose Python names were read
	bool released = false;
	bool stopped = false;
	std::vector<pid_t> pids;                     // -p, as processes
	std::vector<std::pair<pid_t, Fd>> attached;  // -p pids still alive
	StackStore stack_cache;                      // windows: stacks of recent windows
	// Windows: when each cached stack was last in a window, and whether it
	// has been dropped from the kernel's map already (see evict_stacks()).
	struct StackUse {
		uint32_t window;
		bool dropped;
	};
	std::unordered_map<uint64_t, StackUse> stack_use;
	uint32_t window_no = 0;
	// Windows: address spaces of processes that exited, forgotten once the
	// windows that may hold their samples are symbolized.
	std::vector<std::pair<pid_t, uint32_t>> exited_now, exited_before;
	void evict_stacks(const std::vector<uint64_t> &used);
};

ProfileSession::ProfileSession(const RecordConfig &cfg, bool windows)
	: impl_(std::make_unique<Impl>(cfg, windows))
{
}

ProfileSession::~ProfileSession() = default;

Result<void> ProfileSession::open(const std::function<Result<void>()> &after_target)
{
	Impl &s = *impl_;
	// The user's own mistakes first, then what the machine lacks.
	if (auto r = validate(s.cfg); !r)
		return r;
	auto pids = resolve_processes(s.cfg.pids);
	if (!pids)
		return std::unexpected(pids.error());
	s.pids = *pids;
	s.layers = resolve_layers(s.cfg);
	if (auto r = s.prepare_gpu(); !r)
		return r;
	if (!s.cfg.command.empty()) {  // held before exec until the sampler is attached
		// A profile on stdout: the command's output goes to stderr.
		bool stdout_taken = s.cfg.output == "-" || s.cfg.pprof == "-";
		LaunchOptions lo{s.cfg.command, stdout_taken, {}};
		if (s.gpu)
			lo.env = s.gpu->environment();
		auto child = HeldProcess::spawn(lo);
		if (!child)
			return std::unexpected(child.error());
		s.child.emplace(std::move(*child));
		s.child_pidfd = open_pidfd(s.child->pid());
	}
	if (after_target) {
		if (auto r = after_target(); !r)
			return r;
	}
	if (auto r = check_privileges(); !r)
		return r;
	if (auto r = check_btf(); !r)
		return r;
	raise_fd_limit();
	return s.start_sources();
}

// The GPU layer needs its pipe and injector before the command exists (they
// are in its environment). Asked for by default, it quietly stays off in a
// build without an injector; asked for alone (--gpu-only), it must run.
Result<void> ProfileSession::Impl::prepare_gpu()
{
	if (!layers.gpu)
		return {};
	if (cfg.command.empty()) {  // --gpu-only -p: nothing to inject into
		auto g = GpuSource::prepare({.injector = {}, .streams = false, .entry_pids = pids});
		if (!g)
			return std::unexpected(g.error());
		gpu = std::move(*g);
		return {};
	}
	if (!cfg.gpu_only && !gpu_injector_available(cfg.gpu_injector)) {
		log::debug("no GPU layer: this build has no CUPTI injector");
		layers.gpu = false;
		return {};
	}
	auto g = GpuSource::prepare(
		{.injector = cfg.gpu_injector,
		 .streams = cfg.gpu_streams,
		 .timeline = !cfg.trace.empty(),
		 .timeline_windows = cfg.timeline_windows,
		 .entry_pids = {}});
	if (!g) {
		if (cfg.gpu_only || g.error().exit == ExitCode::usage)
			return std::unexpected(g.error());
		log::warn("no GPU layer: {}", g.error().msg);
		layers.gpu = false;
		return {};
	}
	gpu = std::move(*g);
	return {};
}

Result<void> ProfileSession::Impl::start_sources()
{
	BpfOptions bo;
	bo.all_processes = cfg.all_cpus;
	bo.user_stacks = !cfg.kernel_only;
	bo.kernel_stacks = !cfg.user_only;
	bo.oncpu = layers.oncpu;
	bo.offcpu = layers.offcpu;
	bo.wakers = cfg.wakers;
	bo.offcpu_trace = cfg.trace_off_cpu;
	bo.windows = windows;
	bo.gpu_hook = gpu && !gpu->counts_launches();
	bo.gpu_entries = gpu != nullptr;  // with an injector too: its fallback where CUPTI is taken
	bo.call_graph = cfg.call_graph;
	bo.min_block_ns = cfg.min_block_us.value_or(1) * 1000;
	if (cfg.max_block_us)
		bo.max_block_ns = *cfg.max_block_us * 1000;
	if (auto r = probe_net(bo); !r)
		return r;
	auto opened = BpfSession::open(bo);
	if (!opened)
		return std::unexpected(opened.error());
	bpf = std::move(*opened);
	if (bo.call_graph != CallGraph::fp && !cfg.kernel_only) {
		unwind = std::make_unique<UnwindLoader>(*bpf);
		if (auto r = unwind->init(); !r)
			return r;
		prepare_common_tables();
		prepare_command_table();
	}
	if (!cfg.user_only)
		sym.preload_kernel_symbols();
	std::vector<pid_t> targets = pids;
	if (child)
		targets.push_back(child->pid());
	for (pid_t pid : targets) {
		if (auto r = bpf->add_target(pid); !r)
			return r;
	}
	for (pid_t pid : pids)
		attached.emplace_back(pid, open_pidfd(pid));
	// Follow forks before anything can fork; then the layers.
	if (auto r = bpf->track_processes(); !r)
		return r;
	if (gpu) {
		if (auto r = gpu->attach(*bpf); !r)
			return r;
		// As the launches are read, not on the 200 ms tick: a script
		// often exits right after its last launch, taking its names.
		gpu->on_new_stacks([this](const std::vector<ThreadStacks> &stacks) {
			if (!unwind || !unwind->has_python())
				return;
			prefetch_python_names(stacks, *bpf, sym, python_stacks);
			// tests/shell/python_gpu_launch.sh waits for it.
			log::debug("GPU: Python names read for {} new launch stacks", stacks.size());
		});
	}
	if (layers.net) {
		net = std::make_unique<NetTracer>(*bpf);
		if (auto r = net->start(); !r)
			return r;
	}
	if (layers.offcpu) {
		offcpu = std::make_unique<OffCpuTracer>(*bpf);
		if (auto r = offcpu->start(); !r)
			return r;
	}
	if (layers.oncpu) {
		sampler = std::make_unique<CpuSampler>(*bpf, cfg.freq);
		if (auto r = sampler->start(); !r)
			return r;
	}
	return {};
}

// The network layer attaches to the tracepoints this kernel has: without
// both socket ones there is nothing to count; without one of them (or the
// retransmit one) it says what it leaves out.
Result<void> ProfileSession::Impl::probe_net(BpfOptions &bo)
{
	if (!layers.net)
		return {};
	NetTracepoints tp = probe_net_tracepoints();
	if (!tp.any_io())
		return fail(ExitCode::environment,
			    "--net: this kernel has no BTF tracepoints sock_send_length and "
			    "sock_recv_length (Linux 6.3 or later with BTF); `xpu-perf check` "
			    "lists what it has");
	for (const std::string &m : tp.missing())
		log::warn("--net: no BTF tracepoint {} in this kernel: not counted", m);
	bo.net_send = tp.send;
	bo.net_recv = tp.recv;
	bo.net_retransmit = tp.retransmit;
	bo.net_destroy = tp.retransmit && tp.destroy;
	return {};
}

// A new process maps libc within a millisecond of its exec, and often
// blocks in it right after (a thread join, a lock): before its maps are
// read and libc's table built (~7 ms), such a wait gets a frame-pointer
// stack. Building the tables of the C library and the dynamic loader now,
// from our own mappings of the same files, leaves only the cheap part for
// later.
void ProfileSession::Impl::prepare_common_tables()
{
	constexpr uint32_t kSelf = UINT32_MAX;  // a gen the kernel never hands out
	if (!sym.snapshot(getpid(), kSelf))
		return;
	for (const ExecMapping &m : sym.exec_mappings(getpid(), kSelf)) {
		std::string label = sym.module_of(getpid(), kSelf, m.start);
		if (label.starts_with("[libc.so") || label.starts_with("[ld-linux"))
			unwind->prepare(m.file);
	}
}

// The command runs the moment it is released, and a Python script can be
// blocked in a socket call within 50 ms: its executable's table is built
// now, while the command is held (python3.11's: ~20 ms), not after its exec.
void ProfileSession::Impl::prepare_command_table()
{
	if (!child)
		return;
	auto path = resolve_command(cfg.command.front());
	if (!path)
		return;
	if (ElfFile *f = sym.open_path(*path))
		unwind->prepare(f);
}

// Reads the process's maps for the symbolizer and, from the same snapshot,
// describes its executable mappings to the in-kernel unwinder.
bool ProfileSession::Impl::snapshot(pid_t pid, uint32_t gen)
{
	if (!sym.snapshot(pid, gen))
		return false;
	if (unwind) {
		auto mappings = sym.exec_mappings(pid, gen);
		unwind->load(pid, gen, mappings);
		// After this line its stacks walk with every table loaded so far
		// (tests/shell/python_gpu_launch.sh waits for it).
		log::debug("pid {}: maps read, {} executable mappings described to the unwinder", pid,
			   mappings.size());
	}
	return true;
}

void ProfileSession::Impl::on_event(const ProcEvent &e)
{
	auto now = Clock::now();
	switch (e.type) {
	case ProcEvent::Type::exec:
		if (child && e.pid == child->pid() && !command_gen)
			command_gen = e.gen;
		[[fallthrough]];
	case ProcEvent::Type::new_proc:
		snapshot(e.pid, e.gen);
		schedule.track(e.pid, e.gen, now);
		break;
	case ProcEvent::Type::unknown_mapping:  // the unwinder met a library it lacks
		snapshot(e.pid, e.gen);
		break;
	case ProcEvent::Type::table_wanted:  // a walk met a binary whose table is not loaded
		if (unwind)
			unwind->want(e.bin);
		break;
	case ProcEvent::Type::fork:
		// The child runs its parent's copy: same mappings, same tables.
		sym.inherit(e.pid, e.gen, e.ppid, e.parent_gen);
		if (unwind)
			unwind->load(e.pid, e.gen, sym.exec_mappings(e.pid, e.gen));
		break;
	case ProcEvent::Type::exit:
		schedule.forget(e.pid);
		if (windows) {
			auto gone = sym.address_spaces(e.pid);
			exited_now.insert(exited_now.end(), gone.begin(), gone.end());
		}
		break;
	}
}

bool ProfileSession::Impl::attached_pids_gone()
{
	std::erase_if(attached, [](const auto &p) {
		if (p.second) {
			pollfd pfd = {p.second.get(), POLLIN, 0};
			return ::poll(&pfd, 1, 0) == 1;
		}
		return kill(p.first, 0) != 0 && errno == ESRCH;
	});
	return attached.empty();
}

// Sleeps until a process event, the child's exit, a signal, `until`, or
// 100 ms (the re-read schedule's resolution), whichever comes first.
void ProfileSession::Impl::wait_for_activity(Clock::time_point until)
{
	auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
	int timeout = static_cast<int>(std::clamp<long long>(left.count() + 1, 0, 100));
	std::vector<pollfd> fds = {{bpf->events_fd(), POLLIN, 0}};
	if (child_pidfd)
		fds.push_back({child_pidfd.get(), POLLIN, 0});
	if (gpu)
		for (int fd : gpu->poll_fds())
			fds.push_back({fd, POLLIN, 0});
	if (offcpu && offcpu->intervals_fd() >= 0)
		fds.push_back({offcpu->intervals_fd(), POLLIN, 0});
	if (unwind && unwind->has_python()) {
		auto to_names = std::chrono::duration_cast<std::chrono::milliseconds>(python_due - Clock::now());
		timeout = std::min(timeout, static_cast<int>(std::max<long long>(to_names.count() + 1, 0)));
	}
	if (unwind && unwind->has_queued())
		timeout = 0;  // tables to build: look at the events, then go on
	::poll(fds.data(), fds.size(), timeout);
}

Result<void> ProfileSession::Impl::consume_events()
{
	if (auto r = bpf->consume([this](const ProcEvent &e) { on_event(e); }); !r)
		return r;
	if (gpu) {
		if (auto r = gpu->pump(); !r)
			return r;
	}
	if (offcpu) {
		if (auto r = offcpu->consume_intervals(); !r)
			return r;
	}
	for (auto [pid, gen] : schedule.due(Clock::now())) {
		if (!snapshot(pid, gen))
			schedule.forget(pid);
	}
	// Tables are built here, a slice at a time, so events (a new process,
	// a walk that wants a table) are read between them.
	if (unwind)
		unwind->build_queued(Clock::now() + kTableSlice);
	if (unwind && unwind->has_python() && Clock::now() >= python_due) {
		// A process that exits takes its names with it: read again soon
		// while new stacks keep coming (a program starting, a short
		// script), a few times a second once none do.
		size_t fresh = prefetch_python_names(sampler.get(), offcpu.get(), net.get(), *bpf, sym, python_stacks);
		python_due = Clock::now() + std::chrono::milliseconds(fresh ? 20 : 200);
	}
	return {};
}

Result<std::optional<StopReason>> ProfileSession::run_until(Clock::time_point until)
{
	Impl &s = *impl_;
	if (!s.released) {
		s.released = true;
		s.stop_signals.emplace();
		if (s.cfg.duration)
			s.deadline = Clock::now() + *s.cfg.duration;
		if (s.child) {
			if (auto r = s.child->release(); !r)
				return std::unexpected(r.error());
		}
	}
	const auto end = s.deadline ? std::min(until, *s.deadline) : until;
	while (true) {
		if (int sig = s.stop_signals->received())
			return StopReason{StopKind::signal, sig};
		if (s.child && s.child->try_wait())
			return StopReason{StopKind::target_exited};
		if (!s.pids.empty() && s.attached_pids_gone())
			return StopReason{StopKind::target_exited};
		auto now = Clock::now();
		if (s.deadline && now >= *s.deadline)
			return StopReason{StopKind::duration};
		if (now >= end)
			return std::optional<StopReason>();
		s.wait_for_activity(end);
		if (auto r = s.consume_events(); !r)
			return std::unexpected(r.error());
	}
}

// The held child's wait for release is ours, not the command's.
bool ProfileSession::Impl::ours(const ThreadStacks &t) const
{
	return child && t.pid == child->pid() && (!command_gen || t.gen < *command_gen);
}

// Before the GPU layer's events are added (see collect and take_window).
void ProfileSession::Impl::drop_our_own(EventSet &set) const
{
	if (!child)
		return;
	std::erase_if(set.events, [this](const Event &e) { return ours(e.where); });
}

// A stack no window used for a few windows leaves the kernel's map first
// and our cache one window later: a sample may have found it in the map
// just before the delete, and its window still finds it here.
void ProfileSession::Impl::evict_stacks(const std::vector<uint64_t> &used)
{
	constexpr uint32_t kIdleWindows = 3;
	window_no++;
	for (uint64_t h : used) {
		if (h != 0 && stack_cache.contains(h))
			stack_use[h] = {window_no, false};
	}
	std::vector<uint64_t> drop;
	for (auto it = stack_use.begin(); it != stack_use.end();) {
		uint32_t idle = window_no - it->second.window;
		if (idle > kIdleWindows && it->second.dropped) {
			stack_cache.erase(it->first);
			it = stack_use.erase(it);
			continue;
		}
		if (idle >= kIdleWindows && !it->second.dropped) {
			drop.push_back(it->first);
			it->second.dropped = true;
		}
		++it;
	}
	bpf->forget_stacks(drop);
}

Result<EventSet> ProfileSession::take_window()
{
	Impl &s = *impl_;
	EventSet set;
	// The caller has symbolized the windows before this one: processes that
	// exited before the last window was taken have no samples left.
	for (auto [pid, gen] : s.exited_before)
		s.sym.forget(pid, gen);
	s.exited_before = std::move(s.exited_now);
	s.exited_now.clear();
	if (s.offcpu) {
		if (auto r = s.offcpu->cut_window(); !r)
			return std::unexpected(r.error());
		if (auto r = s.offcpu->read_events(set.events, true); !r)
			return std::unexpected(r.error());
	}
	if (s.sampler) {
		if (auto r = s.sampler->read_events(set.events, true); !r)
			return std::unexpected(r.error());
	}
	if (s.net) {
		if (auto r = s.net->read_events(set.events, true); !r)
			return std::unexpected(r.error());
	}
	// Symbolize with the freshest mappings (a library loaded this window).
	if (auto r = s.consume_events(); !r)
		return std::unexpected(r.error());
	s.drop_our_own(set);
	if (s.gpu) {
		// With live --http, the window's part of the GPU timeline too.
		for (auto &e : s.gpu->take(false))
			set.events.push_back(std::move(e));
		// The last window, after stop(): what its drain brought in, the
		// sync waits' blame included (found by helper timeline's review).
		for (auto &e : s.gpu_final)
			set.events.push_back(std::move(e));
		s.gpu_final = {};
	}
	std::vector<uint64_t> hashes;
	for (const Event &e : set.events) {
		add_hashes(e.where, hashes);
		if (e.kind == EventKind::off_cpu && e.offcpu().has_waker)
			add_hashes(e.offcpu().waker, hashes);
	}
	// live --http's timeline: the calls it has still to show, whose stacks
	// must still be there when it does.
	if (s.gpu)
		for (const auto &t : s.gpu->timeline_call_stacks())
			add_hashes(t, hashes);
	if (auto r = s.bpf->fetch_stacks(hashes, s.stack_cache); !r)
		return std::unexpected(r.error());
	for (uint64_t h : hashes) {
		if (auto it = s.stack_cache.find(h); it != s.stack_cache.end())
			set.stacks.try_emplace(h, it->second);
	}
	s.evict_stacks(hashes);
	return set;
}

Result<void> ProfileSession::stop()
{
	Impl &s = *impl_;
	if (s.stopped)
		return {};
	s.stopped = true;
	if (s.sampler)
		s.sampler->stop();
	if (s.net)
		s.net->stop();
	if (s.offcpu) {
		if (auto r = s.offcpu->stop(); !r)
			return r;
	}
	s.bpf->detach_process_tracking();
	(void)s.bpf->consume([&s](const ProcEvent &e) { s.on_event(e); });
	for (auto [pid, gen] : s.schedule.live())  // last chance: libraries loaded late
		s.sym.snapshot(pid, gen);
	s.stop_signals.reset();
	bool exited = !s.child || !s.child->running() || s.child->try_wait();
	if (!exited) {
		log::info("stopping the command (SIGTERM)");
		s.child->signal(SIGTERM);
	}
	if (s.gpu) {
		// An injector flushes at exit: its last records are in the pipe
		// already, or (SIGTERM, no atexit) will not come.
		if (auto r = s.gpu->drain(std::chrono::milliseconds(exited ? 2000 : 500)); !r)
			return r;
		s.gpu->detach();
		s.gpu_final = s.gpu->take(true);
	}
	return {};
}

Result<EventSet> ProfileSession::collect()
{
	Impl &s = *impl_;
	EventSet set;
	if (s.sampler) {
		if (auto r = s.sampler->read_events(set.events); !r)
			return std::unexpected(r.error());
	}
	if (s.offcpu) {
		if (auto r = s.offcpu->read_events(set.events); !r)
			return std::unexpected(r.error());
	}
	if (s.net) {
		if (auto r = s.net->read_events(set.events); !r)
			return std::unexpected(r.error());
	}
	if (s.offcpu && s.cfg.trace_off_cpu)  // --trace-off-cpu: each wait, timed
		s.offcpu->take_intervals(set.events);
	s.drop_our_own(set);
	// After the drop: GPU work of no launch stack names the command's pid
	// with no address-space generation, and is the target's all the same.
	// With --trace, the GPU timeline's events are among them.
	set.events.reserve(set.events.size() + s.gpu_final.size());
	for (auto &e : s.gpu_final)
		set.events.push_back(std::move(e));
	s.gpu_final = {};  // its capacity too: with --trace, millions of events
	auto stacks = s.bpf->read_stacks();
	if (!stacks)
		return std::unexpected(stacks.error());
	set.stacks = std::move(*stacks);
	return set;
}

Profile ProfileSession::build(const EventSet &set, StackQuality *quality)
{
	StackLayout layout{.pid_prefix = impl_->cfg.pid_prefix, .freq = impl_->cfg.freq};
	return build_profile(set, impl_->sym, layout, quality);
}

Result<std::string> ProfileSession::build_pprof(const EventSet &set, const PprofRecordOptions &opts)
{
	StackLayout layout{.pid_prefix = impl_->cfg.pid_prefix, .freq = impl_->cfg.freq};
	PprofRecordOptions o = opts;
	o.inlines = impl_->cfg.inlines;
	return record_pprof(set, impl_->sym, layout, o);
}

std::vector<NetStackCount> ProfileSession::build_net(const EventSet &set)
{
	StackLayout layout{.pid_prefix = impl_->cfg.pid_prefix, .freq = impl_->cfg.freq};
	return build_net_stacks(set, impl_->sym, layout);
}

std::map<std::string, double> ProfileSession::leaf_modules(const EventSet &set)
{
	std::map<std::string, double> out;
	for (const Event &e : set.events) {
		if (e.kind != EventKind::cpu_sample)
			continue;
		std::string module = "[unknown]";
		if (e.where.kstack) {
			module = "[kernel.kallsyms]";
		} else if (auto it = set.stacks.find(e.where.ustack);
			   it != set.stacks.end() && !it->second.empty()) {
			std::string m = impl_->sym.module_of(e.where.pid, e.where.gen, it->second[0]);
			if (!m.empty())
				module = m;
		}
		out[module] += static_cast<double>(e.weight);
	}
	return out;
}

BpfStats ProfileSession::stats() const { return impl_->bpf->stats(); }

std::optional<UnwindReport> ProfileSession::unwind_report() const
{
	if (!impl_->unwind)
		return std::nullopt;
	return UnwindReport{impl_->unwind->stats(), impl_->unwind->missing_tables()};
}

std::string ProfileSession::event_name() const
{
	if (impl_->sampler)
		return impl_->sampler->event_name();
	if (impl_->offcpu)
		return "sched_switch";
	return impl_->gpu && impl_->gpu->counts_launches() ? "uprobes" : "cupti";
}

int ProfileSession::freq() const { return impl_->cfg.freq; }
bool ProfileSession::offcpu() const { return impl_->offcpu != nullptr; }
bool ProfileSession::net() const { return impl_->net != nullptr; }

TraceInput ProfileSession::trace_input(const EventSet &set)
{
	Impl &s = *impl_;
	if (uint64_t dropped = s.gpu ? s.gpu->timeline_dropped() : 0)
		log::warn("--trace: {} GPU events past the first {} left out of the timeline", dropped,
			  GpuTimeline::kMaxEvents);
	// Off-CPU waits are timed only with --trace-off-cpu.
	return timeline_input(
		set.events,
		{.launch = [&](const ThreadStacks &t) { return launch_frames(t, set.stacks, s.sym); },
		 .thread = [&](const ThreadStacks &t) { return thread_frames(t, set.stacks, s.sym); },
		 .skip = [&s](const ThreadStacks &t) { return s.ours(t); }});
}

uint64_t ProfileSession::offcpu_trace_dropped() const
{
	if (!impl_->offcpu)
		return 0;
	return impl_->offcpu->intervals_dropped() + impl_->bpf->stats().offcpu_trace_lost;
}

TraceInput ProfileSession::take_trace_window(const EventSet &set)
{
	if (!impl_->gpu)
		return {};
	// A call taken in a later window than its own may find its stack gone
	// from this window's set: the frames are kept from when first seen.
	auto &seen = impl_->launch_frames_seen;
	if (seen.size() > 100000)
		seen.clear();
	auto launch = [&](const ThreadStacks &t) {
		auto key = std::make_pair(t.pid, t.ustack);
		auto it = seen.find(key);
		if (it == seen.end() || set.stacks.contains(t.ustack))
			it = seen.insert_or_assign(key, launch_frames(t, set.stacks, impl_->sym)).first;
		return it->second;
	};
	// The GPU's part only: the page draws no off-CPU waits.
	return timeline_input(set.events, {.launch = launch, .thread = {}, .skip = {}});
}

std::optional<GpuSummary> ProfileSession::gpu_summary() const
{
	if (!impl_->gpu)
		return std::nullopt;
	GpuSummary g = impl_->gpu->summary();
	g.dropped += impl_->bpf->stats().launches_lost;
	return g;
}
pid_t ProfileSession::command_pid() const { return impl_->child ? impl_->child->pid() : 0; }

std::optional<int> ProfileSession::wait_command(int timeout_ms)
{
	if (!impl_->child)
		return std::nullopt;
	return impl_->child->wait(timeout_ms);
}

}  // namespace xpu
