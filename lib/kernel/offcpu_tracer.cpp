#include "kernel/offcpu_tracer.hpp"

#include <time.h>
#include <unistd.h>

#include <cstring>

#include "kernel/bpf_thread.hpp"
#include "base/fd.hpp"
#include "base/log.hpp"
#include "bpf/offcpu.h"
#include "xpu.skel.h"

namespace xpu {

namespace {

ThreadStacks waker_of(const xpu_offcpu_key &k)
{
	ThreadStacks t;
	t.pid = static_cast<pid_t>(k.waker_pid);
	t.gen = k.waker_gen;
	t.comm.assign(k.waker_comm, strnlen(k.waker_comm, sizeof(k.waker_comm)));
	t.ustack = k.waker_ustack;
	t.kstack = k.waker_kstack;
	return t;
}

}  // namespace

uint64_t monotonic_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

OffCpuTracer::OffCpuTracer(BpfSession &bpf) : bpf_(bpf) {}
OffCpuTracer::~OffCpuTracer() { links_.clear(); }

Result<void> OffCpuTracer::start()
{
	auto &s = bpf_.skel();
	if (bpf_.options().offcpu_trace) {
		ring_.reset(ring_buffer__new(bpf_map__fd(s.maps.offcpu_events),
					     &OffCpuTracer::on_interval, this, nullptr));
		if (!ring_)
			return sys_fail(ExitCode::internal, errno,
					"create the off-CPU interval ring buffer");
	}
	std::vector<bpf_program *> progs = {s.progs.on_switch};
	if (bpf_.options().wakers)
		progs.push_back(s.progs.on_waking);
	for (bpf_program *prog : progs) {
		Link link(bpf_program__attach(prog));
		if (!link)
			return sys_fail(ExitCode::environment, errno,
					"attach {} (needs BTF tracepoints, kernel >= 5.5)",
					bpf_program__name(prog));
		links_.push_back(std::move(link));
	}
	return {};
}

Result<void> OffCpuTracer::stop()
{
	if (links_.empty())
		return {};
	links_.clear();
	// The waits still open live in task storage, which user space cannot
	// list: an iterator over all tasks (flush_open) counts them.
	auto &s = bpf_.skel();
	s.bss->stop_ns = monotonic_ns();
	if (auto r = run_iterator(s.progs.flush_open); !r)
		return r;
	// The iterator sent the waits it cut at stop_ns.
	return consume_intervals();
}

Result<void> OffCpuTracer::cut_window()
{
	if (links_.empty())
		return {};
	auto &s = bpf_.skel();
	s.bss->stop_ns = monotonic_ns();
	// Waits ending from now on flush the sums they pend first.
	__atomic_add_fetch(&s.bss->window_epoch, 1, __ATOMIC_RELAXED);
	return run_iterator(s.progs.cut_window);
}

Result<void> OffCpuTracer::run_iterator(bpf_program *prog)
{
	Link iter(bpf_program__attach_iter(prog, nullptr));
	if (!iter)
		return sys_fail(ExitCode::internal, errno, "attach task iterator");
	Fd fd(bpf_iter_create(bpf_link__fd(iter.get())));
	if (!fd)
		return sys_fail(ExitCode::internal, errno, "create task iterator");
	char buf[64];
	ssize_t n;
	while ((n = read(fd.get(), buf, sizeof(buf))) > 0) {
	}
	if (n < 0)
		return sys_fail(ExitCode::internal, errno, "run task iterator");
	return {};
}

int OffCpuTracer::intervals_fd() const { return ring_ ? ring_buffer__epoll_fd(ring_.get()) : -1; }

int OffCpuTracer::on_interval(void *ctx, void *data, size_t size) noexcept
{
	auto *self = static_cast<OffCpuTracer *>(ctx);
	if (size < sizeof(xpu_offcpu_interval))
		return 0;
	if (self->intervals_.size() >= kMaxIntervals) {
		self->intervals_dropped_++;
		return 0;
	}
	const auto &e = *static_cast<const xpu_offcpu_interval *>(data);
	try {
		auto &attrs = self->state_attrs_[e.state & 0xff];
		if (!attrs) {
			OffCpuAttrs a;
			a.state = static_cast<char>(e.state);
			attrs = std::make_shared<const EventAttrs>(std::move(a));
		}
		Event w;  // weight 0: the wait is in the counts already
		w.kind = EventKind::off_cpu;
		w.where = thread_stacks_of(e);
		w.start_ns = e.start_ns;
		w.dur_ns = e.dur_ns;
		w.attrs = attrs;
		self->intervals_.push_back(std::move(w));
	} catch (const std::exception &ex) {  // bad_alloc: nothing may unwind into libbpf
		self->ring_error_ = ex.what();
		return -1;
	}
	return 0;
}

Result<void> OffCpuTracer::consume_intervals()
{
	if (!ring_)
		return {};
	int n = ring_buffer__consume(ring_.get());
	if (!ring_error_.empty())
		return fail(ExitCode::internal, "off-CPU interval handler: {}", ring_error_);
	if (n < 0)
		return sys_fail(ExitCode::internal, n, "read the off-CPU interval ring buffer");
	return {};
}

void OffCpuTracer::take_intervals(std::vector<Event> &out)
{
	if (out.empty()) {
		out = std::move(intervals_);
	} else {
		out.insert(out.end(), std::make_move_iterator(intervals_.begin()),
			   std::make_move_iterator(intervals_.end()));
	}
	intervals_.clear();
}

Result<void> OffCpuTracer::read_events(std::vector<Event> &out, bool take) const
{
	std::vector<xpu_offcpu_key> keys;
	std::vector<xpu_offcpu_value> values;
	int fd = bpf_map__fd(bpf_.skel().maps.offcpu_counts);
	if (int err = take ? take_all_entries(fd, keys, values) : read_all_entries(fd, keys, values))
		return sys_fail(ExitCode::internal, err, "read off-CPU counts");
	out.reserve(out.size() + keys.size());
	for (size_t i = 0; i < keys.size(); i++) {
		OffCpuAttrs a;
		a.state = static_cast<char>(keys[i].state);
		a.has_waker = keys[i].flags & XPU_KEY_WAKER;
		if (a.has_waker)
			a.waker = waker_of(keys[i]);
		out.push_back(offcpu_event(thread_stacks_of(keys[i]), std::move(a), values[i].ns,
					   values[i].count));
	}
	return {};
}

}  // namespace xpu
