#include "gpu/gpu_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <unordered_set>

#include "base/fd.hpp"
#include "gpu/gpu_entry_points.hpp"
#include "gpu/gpu_frames.hpp"
#include "gpu/gpu_launch_probe.hpp"
#include "gpu/gpu_protocol.h"
#include "gpu/gpu_wait_blame.hpp"
#include "gpu/stale_run_dirs.hpp"
#include "gpu/injector_blob.hpp"
#include "base/log.hpp"
#include "kernel/offcpu_tracer.hpp"

namespace xpu {

namespace {

// 1 MiB: the most an unprivileged pipe may have by default
// (fs.pipe-max-size); 64 KiB would fill in under a millisecond of a
// launch-bound program's records.
constexpr int kPipeBytes = 1 << 20;

// What a target that changed user needs of the run directory (see
// make_run_dir): search on the directory, read on the injector, write on the
// pipe (never read: only the profiler reads it). Set with chmod, so the
// user's umask cannot take them away.
constexpr mode_t kRunDirMode = 0711, kInjectorMode = 0644, kPipeMode = 0622;

Result<std::string> make_run_dir()
{
	const char *tmp = std::getenv("TMPDIR");
	for (const auto &stale : remove_stale_run_dirs(tmp && *tmp ? tmp : "/tmp"))
		log::debug("removed {}, left by an xpu-perf that was killed", stale);
	std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/xpu-perf-XXXXXX";
	if (!mkdtemp(tmpl.data()))
		return sys_fail(ExitCode::environment, errno, "create a directory in {}",
				tmp && *tmp ? tmp : "/tmp");
	// Searchable by every user, listable by none: a target that changes user
	// after start (a server dropping root, `setpriv`, `su`) must still load
	// the injector and open the pipe, whose random name only its
	// environment holds. Set after mkdtemp, which makes it 0700.
	if (chmod(tmpl.c_str(), kRunDirMode) != 0)
		return sys_fail(ExitCode::environment, errno, "chmod {}", tmpl);
	return tmpl;
}

Result<void> write_file(const std::string &path, std::span<const unsigned char> bytes)
{
	Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kInjectorMode));
	if (!fd || fchmod(fd.get(), kInjectorMode) != 0)
		return sys_fail(ExitCode::environment, errno, "create {}", path);
	size_t done = 0;
	while (done < bytes.size()) {
		ssize_t n = write(fd.get(), bytes.data() + done, bytes.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sys_fail(ExitCode::environment, errno, "write {}", path);
		done += static_cast<size_t>(n);
	}
	return {};
}

}  // namespace

bool gpu_injector_available(const std::string &override_path)
{
	return !override_path.empty() || !embedded_injector().empty();
}

struct GpuSource::Impl {
	GpuSourceOptions opts;
	std::string dir;       // the private run directory (removed at the end)
	std::string pipe_path;
	std::string injector;  // the library CUDA loads
	Fd pipe_read;
	Fd pipe_keepalive;  // our own write end: no EOF between two writers
	std::unique_ptr<LaunchProbe> probe;
	GpuCorrelator correlator;
	GpuWaitBlame waits;  // sync calls' wall time, blamed on the GPU work they waited for
	GpuStreamParser parser;
	std::unique_ptr<GpuTimeline> timeline;  // --trace, live --http only
	std::set<pid_t> named;  // processes whose comm the correlator has
	// Entry-point mode: launches counted per (thread stacks, entry point).
	std::map<std::tuple<pid_t, pid_t, uint32_t, uint64_t, uint32_t, uint32_t>, Event> counted;
	uint64_t entry_launches = 0;
	size_t entry_probes = 0;
	// Processes whose injector could not use CUPTI (another tool holds it,
	// no libcupti): their launches are counted at the API's entry points
	// instead, from when their injector said so. Each file probed once.
	std::map<pid_t, size_t> fallback;  // pid -> entry probes attached for it
	std::set<std::string> entry_files;
	// Launch stacks not yet handed to on_new_stacks (each user stack once).
	GpuSource::StacksFn stacks_fn;
	std::unordered_set<uint64_t> stacks_seen;
	std::vector<ThreadStacks> stacks_new;

	bool entry_mode() const { return !opts.entry_pids.empty(); }
	void count_entry(const LaunchEvent &l);
	size_t attach_entry_points(const std::vector<pid_t> &pids);
	void fall_back_where_cupti_failed();

	explicit Impl(const GpuSourceOptions &o)
		: opts(o), correlator(GpuCorrelatorOptions{.streams = o.streams}),
		  parser(GpuStreamParser::Sink{
			  .activity =
				  [this](const GpuActivity &a) {
					  correlator.add_activity(a, monotonic_ns());
					  waits.add_activity(a);
					  if (timeline)
						  timeline->add_activity(a);
				  },
			  .api_name =
				  [this](pid_t pid, uint32_t domain, uint32_t cbid,
					 const std::string &name) {
					  correlator.set_api_name(pid, domain, cbid, name);
					  waits.set_api_name(pid, domain, cbid, name);
					  if (timeline)
						  timeline->set_api_name(pid, domain, cbid, name);
				  },
			  .api_call =
				  [this](const GpuApiCall &c) {
					  waits.add_api_call(c);
					  if (timeline)
						  timeline->add_api_call(c);
				  },
			  .sync = [this](const GpuSync &y) { waits.add_sync(y); },
		  })
	{
		if (o.timeline || o.timeline_windows)
			timeline = std::make_unique<GpuTimeline>();
	}

	~Impl()
	{
		if (dir.empty())
			return;
		std::error_code ec;
		std::filesystem::remove_all(dir, ec);
	}

	Result<void> read_pipe();
	bool all_ended() const;
};

GpuSource::GpuSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GpuSource::~GpuSource() = default;

void GpuSource::Impl::count_entry(const LaunchEvent &l)
{
	entry_launches++;
	const ThreadStacks &w = l.where;
	auto [it, fresh] = counted.try_emplace({w.pid, w.tid, w.gen, w.ustack, w.flags, l.cbid});
	Event &e = it->second;
	if (fresh) {
		const auto &names = cuda_entry_points();
		GpuAttrs g{.api = l.cbid < names.size() ? names[l.cbid] : "[cuda_api]",
			    .stream = {},
			    .leaf = kGpuLaunchLeaf};
		e = gpu_event(EventKind::gpu_launch, w, std::move(g), 0, 0);
	}
	e.weight++;
	e.count++;
}

Result<std::unique_ptr<GpuSource>> GpuSource::prepare(const GpuSourceOptions &opts)
{
	auto impl = std::make_unique<Impl>(opts);
	if (impl->entry_mode())  // nothing to inject: nothing to make
		return std::unique_ptr<GpuSource>(new GpuSource(std::move(impl)));
	// CUDA loads one injection library; replacing the user's would silently
	// turn off whatever they set it for.
	if (const char *user = std::getenv("CUDA_INJECTION64_PATH"); user && *user)
		return fail(ExitCode::usage,
			    "CUDA_INJECTION64_PATH is already set ({}): CUDA loads one injection "
			    "library and --gpu needs its own; unset it, or record without --gpu",
			    user);
	auto dir = make_run_dir();
	if (!dir)
		return std::unexpected(dir.error());
	impl->dir = *dir;
	if (!opts.injector.empty()) {
		std::error_code ec;
		impl->injector = std::filesystem::absolute(opts.injector, ec).string();
		if (access(impl->injector.c_str(), R_OK) != 0)
			return sys_fail(ExitCode::usage, errno, "--gpu-injector {}", opts.injector);
	} else {
		auto blob = embedded_injector();
		if (blob.empty())
			return fail(ExitCode::environment,
				    "this xpu-perf was built without CUDA: no GPU injector (build "
				    "with the CUDA toolkit, or pass --gpu-injector PATH)");
		impl->injector = impl->dir + "/libxpu_cupti.so";
		if (auto r = write_file(impl->injector, blob); !r)
			return std::unexpected(r.error());
	}
	impl->pipe_path = impl->dir + "/gpu.pipe";
	if (mkfifo(impl->pipe_path.c_str(), kPipeMode) != 0 || chmod(impl->pipe_path.c_str(), kPipeMode) != 0)
		return sys_fail(ExitCode::environment, errno, "create the pipe {}", impl->pipe_path);
	// The read end first: an injector that connects finds a reader.
	impl->pipe_read.reset(open(impl->pipe_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
	if (!impl->pipe_read)
		return sys_fail(ExitCode::environment, errno, "open {}", impl->pipe_path);
	impl->pipe_keepalive.reset(open(impl->pipe_path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
	if (fcntl(impl->pipe_read.get(), F_SETPIPE_SZ, kPipeBytes) < 0)
		log::debug("pipe size stays at the default: {}", std::strerror(errno));
	return std::unique_ptr<GpuSource>(new GpuSource(std::move(impl)));
}

std::vector<std::string> GpuSource::environment() const
{
	if (impl_->entry_mode())
		return {};
	return {std::string("CUDA_INJECTION64_PATH=") + impl_->injector,
		std::string(gpu_proto::kEnvPipe) + "=" + impl_->pipe_path};
}

size_t GpuSource::Impl::attach_entry_points(const std::vector<pid_t> &pids)
{
	size_t n = 0;
	for (const std::string &file : cuda_entry_files(pids))
		if (entry_files.insert(file).second)
			n += probe->attach_entries(file, cuda_entry_points());
	entry_probes += n;
	return n;
}

void GpuSource::Impl::fall_back_where_cupti_failed()
{
	if (!probe || entry_mode())
		return;
	for (const auto &[pid, p] : parser.processes())
		if (p.hello && p.ended && p.end_reason == "error" && !fallback.contains(pid))
			fallback[pid] = attach_entry_points({pid});
}

Result<void> GpuSource::attach(BpfSession &bpf)
{
	impl_->probe = std::make_unique<LaunchProbe>(bpf);
	if (!impl_->entry_mode())
		return impl_->probe->attach_hook(impl_->injector);
	impl_->attach_entry_points(impl_->opts.entry_pids);
	if (impl_->entry_probes == 0)
		log::warn("GPU: no CUDA runtime or driver in the processes: no launches to count");
	return {};
}

std::vector<int> GpuSource::poll_fds() const
{
	std::vector<int> fds;
	if (impl_->pipe_read)
		fds.push_back(impl_->pipe_read.get());
	if (impl_->probe && impl_->probe->fd() >= 0)
		fds.push_back(impl_->probe->fd());
	return fds;
}

Result<void> GpuSource::Impl::read_pipe()
{
	if (!pipe_read)
		return {};
	char buf[64 * 1024];
	while (true) {
		ssize_t n = read(pipe_read.get(), buf, sizeof(buf));
		if (n > 0) {
			parser.feed(std::string_view(buf, static_cast<size_t>(n)));
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return sys_fail(ExitCode::internal, errno, "read {}", pipe_path);
		break;
	}
	for (const auto &[pid, p] : parser.processes()) {
		if (p.hello && named.insert(pid).second)
			correlator.set_comm(pid, p.comm);
	}
	fall_back_where_cupti_failed();
	return {};
}

Result<void> GpuSource::pump()
{
	Impl &s = *impl_;
	// Launches first: the records of a launch usually come after it.
	if (s.probe) {
		uint64_t now = monotonic_ns();
		auto r = s.probe->consume([&](const LaunchEvent &l) {
			if (s.stacks_fn && l.where.ustack && s.stacks_seen.insert(l.where.ustack).second)
				s.stacks_new.push_back(l.where);
			if (l.from_hook) {
				LaunchEvent launch = l;
				launch.domain = l.domain & gpu_proto::kHookDomainMask;
				if (l.domain & gpu_proto::kHookWaits)
					s.waits.add_wait(launch);
				if (l.domain & gpu_proto::kHookNoWork) {
					// A synchronize: nothing launched. (A synchronous copy
					// is a launch: its call is drawn as one, with its copy.)
					if (s.timeline && s.opts.timeline_windows)
						s.timeline->add_sync_call(launch);
					return;
				}
				s.correlator.add_launch(launch, now);
				if (s.timeline)
					s.timeline->add_launch(launch);
			} else
				s.count_entry(l);
		});
		if (!r)
			return r;
		if (!s.stacks_new.empty()) {
			s.stacks_fn(s.stacks_new);
			s.stacks_new.clear();
		}
	}
	return s.read_pipe();
}

void GpuSource::on_new_stacks(StacksFn fn) { impl_->stacks_fn = std::move(fn); }

bool GpuSource::Impl::all_ended() const
{
	for (const auto &[pid, p] : parser.processes())
		if (p.hello && !p.ended && !p.refused)
			return false;
	return true;
}

Result<void> GpuSource::drain(std::chrono::milliseconds timeout)
{
	auto deadline = std::chrono::steady_clock::now() + timeout;
	while (true) {
		if (auto r = pump(); !r)
			return r;
		if (impl_->all_ended() || std::chrono::steady_clock::now() >= deadline)
			break;
		pollfd pfd = {impl_->pipe_read.get(), POLLIN, 0};
		::poll(&pfd, impl_->pipe_read ? 1 : 0, 20);
	}
	impl_->parser.finish();
	return {};
}

std::vector<Event> GpuSource::take(bool final)
{
	std::vector<Event> out = impl_->correlator.take(monotonic_ns(), final);
	if (final) {
		std::vector<BlamedWait> slices;
		// record --trace: the blamed waits as slices (live's come as calls)
		bool trace = impl_->timeline && impl_->opts.timeline;
		for (auto &c : impl_->waits.take(trace ? &slices : nullptr))
			out.push_back(std::move(c));
		if (trace)
			impl_->timeline->add_waits(std::move(slices));
	}
	for (auto &[key, c] : impl_->counted)
		out.push_back(std::move(c));
	impl_->counted.clear();
	if (impl_->timeline) {
		// live's last window takes both take(true) (at stop) and then
		// take(false): its timeline part is taken once, by the second,
		// so that a call's patience is counted once a window.
		if (impl_->opts.timeline_windows) {
			if (!final)
				impl_->timeline->take_window(out);
		} else if (final) {
			impl_->timeline->take_all(out);
		}
	}
	return out;
}

void GpuSource::detach()
{
	if (impl_->probe)
		impl_->probe->detach();
}

bool GpuSource::counts_launches() const { return impl_->entry_mode(); }

uint64_t GpuSource::timeline_dropped() const
{
	return impl_->timeline ? impl_->timeline->dropped() : 0;
}

std::vector<ThreadStacks> GpuSource::timeline_call_stacks() const
{
	if (!impl_->timeline || !impl_->opts.timeline_windows)
		return {};
	return impl_->timeline->call_stacks();
}

GpuSummary GpuSource::summary() const
{
	const Impl &s = *impl_;
	const GpuCorrelatorStats &c = s.correlator.stats();
	GpuSummary g;
	g.enabled = true;
	g.entry_points = s.entry_mode();
	g.entry_probes = s.entry_probes;
	g.launches = c.launches + s.entry_launches;
	g.kernels = c.kernels;
	g.activities = c.activities;
	g.matched = c.matched;
	g.gpu_ns = c.gpu_ns;
	g.launches_without_work = c.launches_without_work;
	g.waits = s.waits.stats().blamed;
	g.wait_ns = s.waits.stats().wait_ns;
	g.wait_idle_ns = s.waits.stats().idle_ns;
	g.malformed = s.parser.malformed() + s.parser.truncated_lines();
	std::set<std::string> seen;
	for (const auto &[pid, p] : s.parser.processes()) {
		if (!p.hello)
			continue;
		g.processes++;
		g.dropped += p.dropped();
		if (!p.ended)
			g.truncated++;
		for (const auto &w : p.warnings)
			if (seen.insert(w).second)
				g.warnings.push_back(w);
	}
	for (const auto &[pid, probes] : s.fallback) {
		auto it = s.parser.processes().find(pid);
		std::string who = fmt::format("{}[{}]", it == s.parser.processes().end() ? "" : it->second.comm, pid);
		g.warnings.push_back(
			probes ? fmt::format("no CUPTI in {}: its launches are counted at the CUDA API's entry "
					     "points instead ([GPU_Launch], from when its injector gave up); no "
					     "kernels, copies, memsets or GPU time for it",
					     who)
			       : fmt::format("no CUPTI in {}, and no CUDA runtime or driver found in it to probe: "
					     "its GPU work is missing",
					     who));
	}
	return g;
}

}  // namespace xpu
