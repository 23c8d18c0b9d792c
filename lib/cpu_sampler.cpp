#include "cpu_sampler.hpp"

#include <algorithm>
#include <cstring>

#include "bpf_util.hpp"
#include "log.hpp"
#include "bpf/profile.h"
#include "profile.skel.h"

namespace xpu {

namespace {

// Map sizes. Entries are allocated on demand (BPF_F_NO_PREALLOC), so the
// limits cost nothing until used; kernels that refuse on-demand maps in
// perf_event programs (before 6.1) get smaller preallocated ones.
constexpr uint32_t kCountsEntries = 65536;
constexpr uint32_t kStacksEntries = 32768;
constexpr uint32_t kCountsPrealloc = 16384;
constexpr uint32_t kStacksPrealloc = 8192;

Result<Skel<profile_bpf>> open_and_load(const CpuSamplerOptions &opts, bool prealloc)
{
	Skel<profile_bpf> skel(profile_bpf::open());
	if (!skel)
		return sys_fail(ExitCode::internal, errno, "open BPF object profile");
	skel->rodata->filter_pids = !opts.all_processes;
	skel->rodata->want_user = opts.user_stacks;
	skel->rodata->want_kernel = opts.kernel_stacks;
	if (!prealloc) {
		bpf_map__set_map_flags(skel->maps.counts, BPF_F_NO_PREALLOC);
		bpf_map__set_map_flags(skel->maps.stacks, BPF_F_NO_PREALLOC);
	}
	bpf_map__set_max_entries(skel->maps.counts, prealloc ? kCountsPrealloc : kCountsEntries);
	bpf_map__set_max_entries(skel->maps.stacks, prealloc ? kStacksPrealloc : kStacksEntries);
	if (int err = profile_bpf::load(skel.get()); err) {
		// Privileges were checked up front, so EPERM here is a lockdown or
		// a security module; EACCES is the verifier rejecting the program.
		if (err == -EPERM)
			return sys_fail(ExitCode::environment, err,
					"load BPF program (root or CAP_BPF+CAP_PERFMON needed; "
					"is the kernel locked down?)");
		return sys_fail(ExitCode::environment, err,
				"the kernel rejected BPF program 'profile' (-vvv shows the verifier log)");
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
	ev.comm.assign(e.comm, strnlen(e.comm, sizeof(e.comm)));
	return ev;
}

}  // namespace

struct CpuSampler::Impl {
	CpuSamplerOptions opts;
	Skel<profile_bpf> skel;
	RingBuffer events;
	std::vector<Link> tracepoints;
	std::vector<Link> samplers;
	SamplingEvents perf;
	const EventFn *on_event = nullptr;  // valid during poll() only
	std::string poll_error;

	static int handle_event(void *ctx, void *data, size_t size) noexcept;
};

// A C callback from libbpf: nothing may unwind through it.
int CpuSampler::Impl::handle_event(void *ctx, void *data, size_t size) noexcept
{
	auto *self = static_cast<Impl *>(ctx);
	if (size < sizeof(xpu_proc_event) || !self->on_event)
		return 0;
	try {
		(*self->on_event)(to_event(*static_cast<const xpu_proc_event *>(data)));
	} catch (const std::exception &e) {
		self->poll_error = e.what();
		return -1;
	}
	return 0;
}

CpuSampler::CpuSampler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CpuSampler::~CpuSampler() = default;

Result<std::unique_ptr<CpuSampler>> CpuSampler::create(const CpuSamplerOptions &opts)
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
	return std::unique_ptr<CpuSampler>(new CpuSampler(std::move(impl)));
}

Result<void> CpuSampler::add_target(pid_t pid)
{
	__u32 key = static_cast<__u32>(pid);
	__u8 one = 1;
	if (bpf_map_update_elem(bpf_map__fd(impl_->skel->maps.targets), &key, &one, BPF_ANY))
		return sys_fail(ExitCode::internal, errno, "add target pid {}", pid);
	return {};
}

Result<void> CpuSampler::start()
{
	auto &s = *impl_->skel;
	for (bpf_program *prog : {s.progs.on_fork, s.progs.on_exec, s.progs.on_exit}) {
		Link link(bpf_program__attach(prog));
		if (!link)
			return sys_fail(ExitCode::environment, errno, "attach {} (needs BTF tracepoints, kernel >= 5.5)",
					bpf_program__name(prog));
		impl_->tracepoints.push_back(std::move(link));
	}
	auto perf = open_sampling_events(impl_->opts.freq, impl_->opts.event);
	if (!perf)
		return std::unexpected(perf.error());
	impl_->perf = std::move(*perf);
	for (size_t i = 0; i < impl_->perf.fds.size(); i++) {
		Link link(bpf_program__attach_perf_event(s.progs.on_cpu_sample, impl_->perf.fds[i].get()));
		if (!link)
			return sys_fail(ExitCode::environment, errno, "attach sampler to CPU {}",
					impl_->perf.cpus[i]);
		impl_->samplers.push_back(std::move(link));
	}
	log::info("sampling {} CPUs at {} Hz on {}", impl_->samplers.size(), impl_->opts.freq,
		  impl_->perf.name);
	return {};
}

void CpuSampler::stop()
{
	impl_->samplers.clear();
	impl_->perf.fds.clear();
	impl_->tracepoints.clear();
}

int CpuSampler::events_fd() const { return ring_buffer__epoll_fd(impl_->events.get()); }

Result<void> CpuSampler::consume(const EventFn &fn)
{
	impl_->on_event = &fn;
	int n = ring_buffer__consume(impl_->events.get());
	impl_->on_event = nullptr;
	if (!impl_->poll_error.empty())
		return fail(ExitCode::internal, "process event handler: {}", impl_->poll_error);
	if (n < 0)
		return sys_fail(ExitCode::internal, n, "read ring buffer");
	return {};
}

Result<SampleSet> CpuSampler::collect() const
{
	SampleSet out;
	std::vector<xpu_sample_key> keys;
	std::vector<__u64> values;
	if (int err = read_all_entries(bpf_map__fd(impl_->skel->maps.counts), keys, values))
		return sys_fail(ExitCode::internal, err, "read sample counts");
	out.counts.reserve(keys.size());
	for (size_t i = 0; i < keys.size(); i++) {
		const auto &k = keys[i];
		out.counts.push_back(StackCount{
			static_cast<pid_t>(k.pid), static_cast<pid_t>(k.tid), k.gen, k.flags,
			std::string(k.comm, strnlen(k.comm, sizeof(k.comm))), k.ustack, k.kstack,
			values[i]});
	}
	// Every stack in the map belongs to some count (entries are never
	// deleted while sampling), so read them all at once.
	std::vector<__u64> hashes;
	std::vector<xpu_stack> stacks;
	if (int err = read_all_entries(bpf_map__fd(impl_->skel->maps.stacks), hashes, stacks))
		return sys_fail(ExitCode::internal, err, "read stacks");
	out.stacks.reserve(hashes.size());
	for (size_t i = 0; i < hashes.size(); i++) {
		uint32_t n = std::min<uint32_t>(stacks[i].nr, XPU_MAX_STACK_DEPTH);
		out.stacks.emplace(hashes[i], std::vector<uint64_t>(stacks[i].ip, stacks[i].ip + n));
	}
	return out;
}

SamplerStats CpuSampler::stats() const
{
	const auto *st = impl_->skel->bss->stats;
	SamplerStats s;
	s.samples = st[XPU_STAT_SAMPLES];
	s.ustack_errors = st[XPU_STAT_USTACK_ERR];
	s.kstack_errors = st[XPU_STAT_KSTACK_ERR];
	s.stacks_full = st[XPU_STAT_STACKS_FULL];
	s.counts_full = st[XPU_STAT_COUNTS_FULL];
	s.procs_full = st[XPU_STAT_PROCS_FULL];
	s.events_lost = st[XPU_STAT_EVENTS_LOST];
	return s;
}

const std::string &CpuSampler::event_name() const { return impl_->perf.name; }

}  // namespace xpu
