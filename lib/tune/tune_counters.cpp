#include "tune/tune_counters.hpp"

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/parse.hpp"
#include "kernel/perf_event.hpp"
#include "tune/tune_actions.hpp"

namespace xpu::tune {

namespace {

struct Kind {
	const char *name;
	uint64_t config;
};
constexpr Kind kKinds[] = {{"ctx_switches", PERF_COUNT_SW_CONTEXT_SWITCHES},
			   {"migrations", PERF_COUNT_SW_CPU_MIGRATIONS},
			   {"page_faults", PERF_COUNT_SW_PAGE_FAULTS}};

int open_counter(uint64_t config, pid_t pid, int cpu)
{
	perf_event_attr a = {};
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = config;
	a.inherit = pid >= 0 ? 1 : 0;  // inherit is for task counters only
	return static_cast<int>(syscall(__NR_perf_event_open, &a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

}  // namespace

Result<SoftwareCounters> SoftwareCounters::for_pids(const std::vector<pid_t> &pids)
{
	SoftwareCounters c;
	for (pid_t pid : pids) {
		auto tids = threads_of(pid);
		if (tids.empty())
			tids.push_back(pid);
		for (pid_t tid : tids)
			for (const auto &k : kKinds) {
				int fd = open_counter(k.config, tid, -1);
				if (fd < 0) {
					if (errno == ESRCH)  // the thread ended meanwhile
						continue;
					return sys_fail(ExitCode::environment, errno,
							"perf_event_open ({} of {})", k.name, tid);
				}
				c.counters_.push_back({k.name, Fd(fd)});
			}
	}
	return c;
}

Result<SoftwareCounters> SoftwareCounters::system_wide()
{
	auto cpus = online_cpus();
	if (!cpus)
		return std::unexpected(cpus.error());
	SoftwareCounters c;
	for (int cpu : *cpus)
		for (const auto &k : kKinds) {
			int fd = open_counter(k.config, -1, cpu);
			if (fd < 0)
				return sys_fail(ExitCode::environment, errno, "perf_event_open ({} on CPU {})",
						k.name, cpu);
			c.counters_.push_back({k.name, Fd(fd)});
		}
	return c;
}

std::map<std::string, uint64_t> SoftwareCounters::read() const
{
	std::map<std::string, uint64_t> sums;
	for (const auto &k : kKinds)
		sums[k.name] = 0;
	for (const auto &c : counters_) {
		uint64_t v = 0;
		if (::read(c.fd.get(), &v, sizeof(v)) == sizeof(v))
			sums[c.name] += v;
	}
	return sums;
}

}  // namespace xpu::tune
