#include "record.hpp"

#include <poll.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <set>

#include "bpf_session.hpp"
#include "cpu_sampler.hpp"
#include "log.hpp"
#include "offcpu_tracer.hpp"
#include "output_file.hpp"
#include "preflight.hpp"
#include "process_launcher.hpp"
#include "profile_builder.hpp"
#include "record_config.hpp"
#include "snapshot_schedule.hpp"
#include "stop_signals.hpp"
#include "symbolizer.hpp"
#include "unwind_loader.hpp"
#include "writer_folded.hpp"

namespace xpu {

namespace {

using Clock = std::chrono::steady_clock;

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

std::string signal_name(int sig)
{
	const char *abbrev = sigabbrev_np(sig);
	return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// The command's own status when it ended by itself; 128+N when a signal
// stopped the recording (the shell's convention, as if it had killed us);
// 0 when --duration ended it and the profile was written.
int exit_code_for(const RecordSummary &s, int stop_signal)
{
	if (stop_signal)
		return 128 + stop_signal;
	if (s.stop_reason == "target exited" && s.target_exit)
		return *s.target_exit;
	return 0;
}

// Everything one recording holds while it runs.
class Session {
public:
	explicit Session(const RecordConfig &cfg)
		: cfg_(cfg), sym_(SymbolizeOptions{.inlines = cfg.inlines, .demangle = true})
	{
	}

	Result<RecordSummary> run();

private:
	Result<void> setup();
	Result<void> start_sources();
	Result<std::string> sample();
	Result<void> stop_sources();
	void on_event(const ProcEvent &e);
	bool snapshot(pid_t pid, uint32_t gen);
	void prepare_common_tables();
	bool attached_pids_gone();
	void wait_for_activity(Clock::time_point deadline);
	Result<SampleSet> collect() const;
	Result<void> write_profile(RecordSummary &sum);

	const RecordConfig &cfg_;
	Symbolizer sym_;
	SnapshotSchedule schedule_;
	std::optional<OutputFile> out_;
	std::optional<HeldProcess> child_;
	Layers layers_;
	std::unique_ptr<BpfSession> bpf_;
	std::unique_ptr<UnwindLoader> unwind_;    // unwind tables, unless --call-graph fp
	std::unique_ptr<CpuSampler> sampler_;     // on-CPU layer, if on
	std::unique_ptr<OffCpuTracer> offcpu_;    // off-CPU layer, if on
	Fd child_pidfd_;
	// The command's first address space after its exec: before it, the
	// process was xpu-perf's own held child, waiting to be released.
	std::optional<uint32_t> command_gen_;
	int stop_signal_ = 0;
	std::vector<pid_t> pids_;                     // -p, as processes
	std::vector<std::pair<pid_t, Fd>> attached_;  // -p pids still alive
};

Result<void> Session::setup()
{
	// The user's own mistakes first, then what the machine lacks.
	if (auto r = validate(cfg_); !r)
		return r;
	auto pids = resolve_processes(cfg_.pids);
	if (!pids)
		return std::unexpected(pids.error());
	pids_ = *pids;
	if (!cfg_.command.empty()) {  // held before exec until the sampler is attached
		auto child = HeldProcess::spawn({cfg_.command, cfg_.output == "-"});
		if (!child)
			return std::unexpected(child.error());
		child_.emplace(std::move(*child));
		child_pidfd_ = open_pidfd(child_->pid());
	}
	auto out = OutputFile::open(cfg_.output);
	if (!out)
		return std::unexpected(out.error());
	out_.emplace(std::move(*out));
	if (auto r = check_privileges(); !r)
		return r;
	if (auto r = check_btf(); !r)
		return r;
	raise_fd_limit();
	return start_sources();
}

Result<void> Session::start_sources()
{
	layers_ = resolve_layers(cfg_);
	BpfOptions bo;
	bo.all_processes = cfg_.all_cpus;
	bo.user_stacks = !cfg_.kernel_only;
	bo.kernel_stacks = !cfg_.user_only;
	bo.oncpu = layers_.oncpu;
	bo.offcpu = layers_.offcpu;
	bo.wakers = cfg_.wakers;
	bo.call_graph = cfg_.call_graph == "fp"      ? CallGraph::fp
			: cfg_.call_graph == "dwarf" ? CallGraph::dwarf
						     : CallGraph::automatic;
	bo.min_block_ns = cfg_.min_block_us.value_or(1) * 1000;
	if (cfg_.max_block_us)
		bo.max_block_ns = *cfg_.max_block_us * 1000;
	auto bpf = BpfSession::open(bo);
	if (!bpf)
		return std::unexpected(bpf.error());
	bpf_ = std::move(*bpf);
	if (bo.call_graph != CallGraph::fp && !cfg_.kernel_only) {
		unwind_ = std::make_unique<UnwindLoader>(*bpf_);
		if (auto r = unwind_->init(); !r)
			return r;
		prepare_common_tables();
	}
	if (!cfg_.user_only)
		sym_.preload_kernel_symbols();
	std::vector<pid_t> targets = pids_;
	if (child_)
		targets.push_back(child_->pid());
	for (pid_t pid : targets) {
		if (auto r = bpf_->add_target(pid); !r)
			return r;
	}
	for (pid_t pid : pids_)
		attached_.emplace_back(pid, open_pidfd(pid));
	// Follow forks before anything can fork; then the layers.
	if (auto r = bpf_->track_processes(); !r)
		return r;
	if (layers_.offcpu) {
		offcpu_ = std::make_unique<OffCpuTracer>(*bpf_);
		if (auto r = offcpu_->start(); !r)
			return r;
	}
	if (layers_.oncpu) {
		sampler_ = std::make_unique<CpuSampler>(*bpf_, cfg_.freq);
		if (auto r = sampler_->start(); !r)
			return r;
	}
	return {};
}

Result<void> Session::stop_sources()
{
	if (sampler_)
		sampler_->stop();
	if (offcpu_) {
		if (auto r = offcpu_->stop(); !r)
			return r;
	}
	bpf_->detach_process_tracking();
	return {};
}

// A new process maps libc within a millisecond of its exec, and often
// blocks in it right after (a thread join, a lock): before its maps are
// read and libc's table built (~7 ms), such a wait gets a frame-pointer
// stack. Building the tables of the C library and the dynamic loader now,
// from our own mappings of the same files, leaves only the cheap part for
// later.
void Session::prepare_common_tables()
{
	constexpr uint32_t kSelf = UINT32_MAX;  // a gen the kernel never hands out
	if (!sym_.snapshot(getpid(), kSelf))
		return;
	for (const ExecMapping &m : sym_.exec_mappings(getpid(), kSelf)) {
		std::string label = sym_.module_of(getpid(), kSelf, m.start);
		if (label.starts_with("[libc.so") || label.starts_with("[ld-linux"))
			unwind_->prepare(m.file);
	}
}

// Reads the process's maps for the symbolizer and, from the same snapshot,
// describes its executable mappings to the in-kernel unwinder.
bool Session::snapshot(pid_t pid, uint32_t gen)
{
	if (!sym_.snapshot(pid, gen))
		return false;
	if (unwind_)
		unwind_->load(pid, gen, sym_.exec_mappings(pid, gen));
	return true;
}

void Session::on_event(const ProcEvent &e)
{
	auto now = Clock::now();
	switch (e.type) {
	case ProcEvent::Type::exec:
		if (child_ && e.pid == child_->pid() && !command_gen_)
			command_gen_ = e.gen;
		[[fallthrough]];
	case ProcEvent::Type::new_proc:
		snapshot(e.pid, e.gen);
		schedule_.track(e.pid, e.gen, now);
		break;
	case ProcEvent::Type::unknown_mapping:  // the unwinder met a library it lacks
		snapshot(e.pid, e.gen);
		break;
	case ProcEvent::Type::fork:
		// The child runs its parent's copy: same mappings, same tables.
		sym_.inherit(e.pid, e.gen, e.ppid, e.parent_gen);
		if (unwind_)
			unwind_->load(e.pid, e.gen, sym_.exec_mappings(e.pid, e.gen));
		break;
	case ProcEvent::Type::exit:
		schedule_.forget(e.pid);
		break;
	}
}

bool Session::attached_pids_gone()
{
	std::erase_if(attached_, [](const auto &p) {
		if (p.second) {
			pollfd pfd = {p.second.get(), POLLIN, 0};
			return ::poll(&pfd, 1, 0) == 1;
		}
		return kill(p.first, 0) != 0 && errno == ESRCH;
	});
	return attached_.empty();
}

// Sleeps until a process event, the child's exit, a signal, the deadline, or
// 100 ms (the re-read schedule's resolution), whichever comes first.
void Session::wait_for_activity(Clock::time_point deadline)
{
	auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
	int timeout = static_cast<int>(std::clamp<long long>(left.count() + 1, 0, 100));
	pollfd fds[2] = {{bpf_->events_fd(), POLLIN, 0}, {child_pidfd_.get(), POLLIN, 0}};
	::poll(fds, child_pidfd_ ? 2 : 1, timeout);
}

Result<std::string> Session::sample()
{
	StopSignals stop;
	const auto deadline = cfg_.duration ? Clock::now() + *cfg_.duration : Clock::time_point::max();
	const auto handler = [this](const ProcEvent &e) { on_event(e); };
	if (child_) {
		if (auto r = child_->release(); !r)
			return std::unexpected(r.error());
	}
	while (true) {
		if (int sig = stop.received()) {
			stop_signal_ = sig;
			return signal_name(sig);
		}
		if (child_ && child_->try_wait())
			return std::string("target exited");
		if (!pids_.empty() && attached_pids_gone())
			return std::string("target exited");
		if (Clock::now() >= deadline)
			return std::string("duration");
		wait_for_activity(deadline);
		if (auto r = bpf_->consume(handler); !r)
			return std::unexpected(r.error());
		for (auto [pid, gen] : schedule_.due(Clock::now())) {
			if (!snapshot(pid, gen))
				schedule_.forget(pid);
		}
	}
}

Result<SampleSet> Session::collect() const
{
	SampleSet set;
	if (sampler_) {
		auto c = sampler_->read_counts();
		if (!c)
			return std::unexpected(c.error());
		set.oncpu = std::move(*c);
	}
	if (offcpu_) {
		auto c = offcpu_->read_counts();
		if (!c)
			return std::unexpected(c.error());
		set.offcpu = std::move(*c);
	}
	auto stacks = bpf_->read_stacks();
	if (!stacks)
		return std::unexpected(stacks.error());
	set.stacks = std::move(*stacks);
	if (child_) {  // the held child's wait for release is ours, not the command's
		auto ours = [&](const ThreadStacks &t) {
			return t.pid == child_->pid() && (!command_gen_ || t.gen < *command_gen_);
		};
		std::erase_if(set.oncpu, [&](const StackCount &c) { return ours(c.where); });
		std::erase_if(set.offcpu, [&](const OffCpuCount &c) { return ours(c.where); });
	}
	return set;
}

Result<void> Session::write_profile(RecordSummary &sum)
{
	auto ms = [t = Clock::now()] {
		return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
	};
	auto set = collect();
	double collected = ms();
	if (!set)
		return std::unexpected(set.error());
	StackLayout layout{.pid_prefix = cfg_.pid_prefix, .freq = cfg_.freq};
	Profile prof = build_profile(*set, sym_, layout, &sum.quality);
	double built = ms();
	if (auto r = write_folded(prof, out_->stream()); !r)
		return r;
	if (auto r = out_->commit(); !r)
		return r;
	sum.weight = prof.total();
	sum.stacks = prof.size();
	if (offcpu_)
		sum.processes = process_times(*set, cfg_.freq);
	log::debug("profile: read {:.1f} ms, symbolized {:.1f} ms, written {:.1f} ms", collected,
		   built - collected, ms() - built);
	return {};
}

Result<RecordSummary> Session::run()
{
	if (auto r = setup(); !r)
		return std::unexpected(r.error());
	RecordSummary sum;
	sum.freq = cfg_.freq;
	sum.event = sampler_ ? sampler_->event_name() : "sched_switch";
	const auto t0 = Clock::now();
	auto reason = sample();
	if (!reason)
		return std::unexpected(reason.error());
	const auto t_stop = Clock::now();
	sum.stop_reason = *reason;
	sum.seconds = std::chrono::duration<double>(t_stop - t0).count();

	if (auto r = stop_sources(); !r)
		return std::unexpected(r.error());
	(void)bpf_->consume([this](const ProcEvent &e) { on_event(e); });
	for (auto [pid, gen] : schedule_.live())  // last chance: libraries loaded late
		sym_.snapshot(pid, gen);
	if (child_ && child_->running()) {  // stopped early: end the command, as perf does
		log::info("stopping the command (SIGTERM)");
		child_->signal(SIGTERM);
	}
	if (auto r = write_profile(sum); !r)
		return std::unexpected(r.error());
	sum.exit_to_written_s = std::chrono::duration<double>(Clock::now() - t_stop).count();

	auto st = bpf_->stats();
	sum.samples = st.samples;
	sum.switches = st.switches;
	sum.lost = st.lost();
	sum.stack_errors = st.stack_errors();
	if (st.procs_full)
		log::warn("{} processes could not be tracked (process map full)", st.procs_full);
	if (child_) {
		auto status = child_->wait(5000);
		if (status)
			sum.target_exit = exit_code_of(*status);
		else
			log::warn("command {} still running 5 s after SIGTERM; left running",
				  child_->pid());
	}
	sum.exit_code = exit_code_for(sum, stop_signal_);
	return sum;
}

}  // namespace

Result<RecordSummary> run_record(const RecordConfig &cfg)
{
	Session s(cfg);
	return s.run();
}

namespace {

std::string seconds(double s) { return fmt::format("{:.2f} s", s); }

std::string process_line(const ProcessTime &p, int freq)
{
	std::string line = fmt::format("  {}[{}]: on-CPU {}, off-CPU {}", p.comm, p.pid,
				       seconds(static_cast<double>(p.oncpu_samples) / freq),
				       seconds(p.offcpu_total_ns() / 1e9));
	std::string states;
	for (const auto &[state, ns] : p.offcpu_ns)
		states += fmt::format("{}{} {}", states.empty() ? "" : ", ", state, seconds(ns / 1e9));
	if (!states.empty())
		line += " (" + states + ")";
	return line;
}

std::string percent(double part, double whole) { return fmt::format("{:.1f}%", 100 * part / whole); }

// "; stacks 97.0% rooted (2.1% truncated: no-table 2.1%)".
std::string quality_summary(const StackQuality &q)
{
	if (q.with_user <= 0)
		return "";
	std::string s = fmt::format("; stacks {} rooted", percent(q.rooted, q.with_user));
	if (double t = q.truncated_total(); t > 0) {
		std::string reasons;
		for (const auto &[reason, w] : q.truncated)
			reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", reason,
					       percent(w, q.with_user));
		s += fmt::format(" ({} truncated: {})", percent(t, q.with_user), reasons);
	}
	return s;
}

}  // namespace

std::vector<std::string> quality_table(const StackQuality &q)
{
	std::vector<std::string> lines;
	if (q.with_user <= 0)
		return lines;
	lines.push_back(fmt::format("stack quality: {:.0f} weighted stacks with user frames, {} rooted",
				    q.with_user, percent(q.rooted, q.with_user)));
	for (const auto &[reason, w] : q.truncated)
		lines.push_back(fmt::format("  {:>7}  truncated: {}", percent(w, q.with_user), reason));
	for (const auto &[module, w] : q.unrooted)
		lines.push_back(fmt::format("  {:>7}  ended early in {}", percent(w, q.with_user), module));
	return lines;
}

std::vector<std::string> format_summary(const RecordSummary &s, const std::string &output)
{
	std::string counted = fmt::format("{} samples", s.samples);
	if (!s.processes.empty() || s.switches)
		counted += fmt::format(", {} off-CPU intervals", s.switches);
	std::string line = fmt::format("{}, {} unique stacks, {} lost, {:.2f} s ({}, stopped: {}) -> {}",
				       counted, s.stacks, s.lost, s.seconds, s.event, s.stop_reason,
				       output == "-" ? "stdout" : output);
	if (s.stack_errors)
		line += fmt::format("; {} stacks incomplete", s.stack_errors);
	line += quality_summary(s.quality);
	std::vector<std::string> lines = {line};
	constexpr size_t kShown = 5;
	for (size_t i = 0; i < s.processes.size() && i < kShown; i++)
		lines.push_back(process_line(s.processes[i], s.freq));
	if (s.processes.size() > kShown)
		lines.push_back(fmt::format("  ... and {} more processes", s.processes.size() - kShown));
	return lines;
}

}  // namespace xpu
