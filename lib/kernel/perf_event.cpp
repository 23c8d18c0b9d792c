#include "kernel/perf_event.hpp"

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>

#include "base/log.hpp"
#include "base/parse.hpp"

namespace xpu {

namespace {

int perf_event_open(perf_event_attr *attr, int cpu)
{
	return static_cast<int>(
		syscall(__NR_perf_event_open, attr, -1 /* all pids */, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

perf_event_attr make_attr(bool cycles, int freq)
{
	perf_event_attr a = {};
	a.size = sizeof(a);
	a.type = cycles ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
	a.config = cycles ? static_cast<__u64>(PERF_COUNT_HW_CPU_CYCLES)
			  : static_cast<__u64>(PERF_COUNT_SW_CPU_CLOCK);
	a.freq = 1;
	a.sample_freq = static_cast<__u64>(freq);
	return a;
}

int read_sysctl_int(const char *path, int fallback)
{
	std::ifstream f(path);
	int v = fallback;
	if (!(f >> v))
		return fallback;
	return v;
}

Result<void> explain_open_error(int err, int freq)
{
	if (err == EINVAL) {
		int max = read_sysctl_int("/proc/sys/kernel/perf_event_max_sample_rate", -1);
		if (max > 0 && freq > max)
			return fail(ExitCode::usage,
				    "-F {} is above kernel.perf_event_max_sample_rate ({}); "
				    "lower -F or raise the sysctl",
				    freq, max);
	}
	if (err == EACCES || err == EPERM)
		return sys_fail(ExitCode::environment, err,
				"perf_event_open (need root or CAP_PERFMON; "
				"kernel.perf_event_paranoid={})",
				read_sysctl_int("/proc/sys/kernel/perf_event_paranoid", -1));
	return sys_fail(ExitCode::environment, err, "perf_event_open (cpu sampling event)");
}

}  // namespace

Result<std::vector<int>> parse_cpu_list(std::string_view text)
{
	std::vector<int> cpus;
	while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
		text.remove_suffix(1);
	size_t pos = 0;
	while (!text.empty()) {
		size_t end = text.find(',', pos);
		std::string_view item = text.substr(pos, end == text.npos ? text.npos : end - pos);
		size_t dash = item.find('-');
		auto lo = parse_int(item.substr(0, dash));
		auto hi = dash == item.npos ? lo : parse_int(item.substr(dash + 1));
		if (!lo || !hi || *lo < 0 || *hi < *lo || *hi > 1 << 20)
			return fail(ExitCode::internal, "bad CPU list: '{}'", text);
		for (long long c = *lo; c <= *hi; c++)
			cpus.push_back(static_cast<int>(c));
		if (end == text.npos)
			break;
		pos = end + 1;
	}
	if (cpus.empty())
		return fail(ExitCode::internal, "empty CPU list");
	return cpus;
}

Result<std::vector<int>> online_cpus()
{
	std::ifstream f("/sys/devices/system/cpu/online");
	std::string line;
	if (!std::getline(f, line))
		return fail(ExitCode::environment, "cannot read /sys/devices/system/cpu/online");
	return parse_cpu_list(line);
}

Result<SamplingEvents> open_sampling_events(int freq, EventChoice choice)
{
	auto cpus = online_cpus();
	if (!cpus)
		return std::unexpected(cpus.error());

	// Probe on the first CPU: hardware cycles, then the cpu-clock fallback.
	bool cycles = choice != EventChoice::cpu_clock;
	perf_event_attr attr = make_attr(cycles, freq);
	int fd = perf_event_open(&attr, cpus->front());
	if (fd < 0 && cycles && choice == EventChoice::automatic &&
	    (errno == ENOENT || errno == EOPNOTSUPP || errno == ENODEV || errno == EINVAL)) {
		log::debug("no hardware cycles event ({}); using cpu-clock", std::strerror(errno));
		cycles = false;
		attr = make_attr(false, freq);
		fd = perf_event_open(&attr, cpus->front());
	}
	if (fd < 0)
		return std::unexpected(explain_open_error(errno, freq).error());

	SamplingEvents ev;
	ev.name = cycles ? "cycles" : "cpu-clock";
	ev.cpus.push_back(cpus->front());
	ev.fds.emplace_back(fd);
	for (size_t i = 1; i < cpus->size(); i++) {
		int cpu = (*cpus)[i];
		fd = perf_event_open(&attr, cpu);
		if (fd < 0 && errno == ENODEV)  // went offline meanwhile
			continue;
		if (fd < 0)
			return std::unexpected(explain_open_error(errno, freq).error());
		ev.cpus.push_back(cpu);
		ev.fds.emplace_back(fd);
	}
	return ev;
}

}  // namespace xpu
