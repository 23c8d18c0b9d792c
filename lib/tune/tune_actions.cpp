#include "tune/tune_actions.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/parse.hpp"
#include "kernel/perf_event.hpp"
#include "tune/tune_facts.hpp"

namespace xpu::tune {

namespace {

constexpr int kIoprioWhoProcess = 1;  // a thread, despite the name
constexpr int kIoprioClassShift = 13;

std::string sysctl_path(const std::string &name)
{
	std::string rel = name;
	std::replace(rel.begin(), rel.end(), '.', '/');
	return "/proc/sys/" + rel;
}

std::string trimmed(std::string s)
{
	while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t'))
		s.pop_back();
	return s;
}

// The whole file (all lines: some sysctls hold several values per line).
std::optional<std::string> read_value(const std::string &path)
{
	std::ifstream f(path);
	if (!f)
		return std::nullopt;
	std::stringstream ss;
	ss << f.rdbuf();
	return trimmed(ss.str());
}

Result<void> write_value(const std::string &path, const std::string &value)
{
	int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return sys_fail(ExitCode::environment, errno, "open {}", path);
	ssize_t n = write(fd, value.data(), value.size());
	int err = errno;
	close(fd);
	if (n != static_cast<ssize_t>(value.size()))
		return sys_fail(ExitCode::environment, n < 0 ? err : EIO, "write '{}' to {}", value, path);
	return {};
}

std::vector<int> cpus_of_node(int node)
{
	auto cpus = parse_cpu_list(read_line(fmt::format("/sys/devices/system/node/node{}/cpulist", node)));
	return cpus ? *cpus : std::vector<int>{};
}

Result<std::vector<int>> cpus_from_text(const std::string &text)
{
	if (text.starts_with("node")) {
		auto node = parse_int(std::string_view(text).substr(4));
		std::vector<int> cpus = node ? cpus_of_node(static_cast<int>(*node)) : std::vector<int>{};
		if (cpus.empty())
			return fail(ExitCode::environment, "no CPUs on NUMA node '{}'", text.substr(4));
		return cpus;
	}
	return parse_cpu_list(text);
}

Result<std::vector<int>> affinity_of(pid_t tid)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(tid, sizeof(set), &set) != 0)
		return sys_fail(ExitCode::environment, errno, "sched_getaffinity({})", tid);
	std::vector<int> cpus;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpus.push_back(c);
	return cpus;
}

Result<void> set_affinity(pid_t tid, const std::string &text)
{
	auto cpus = cpus_from_text(text);
	if (!cpus)
		return std::unexpected(cpus.error());
	cpu_set_t set;
	CPU_ZERO(&set);
	for (int c : *cpus)
		if (c < CPU_SETSIZE)
			CPU_SET(c, &set);
	if (sched_setaffinity(tid, sizeof(set), &set) != 0)
		return sys_fail(ExitCode::environment, errno, "sched_setaffinity({}, {})", tid, text);
	return {};
}

std::string ioprio_text(int v)
{
	int cls = v >> kIoprioClassShift, level = v & ((1 << kIoprioClassShift) - 1);
	switch (cls) {
	case 1: return fmt::format("rt,{}", level);
	case 2: return fmt::format("be,{}", level);
	case 3: return "idle";
	default: return "none";
	}
}

int ioprio_value(const std::string &text)
{
	std::string_view cls = std::string_view(text).substr(0, text.find(','));
	int level = 0;
	if (text.find(',') != std::string::npos)
		level = static_cast<int>(parse_int(std::string_view(text).substr(cls.size() + 1)).value_or(0));
	int c = cls == "rt" ? 1 : cls == "be" ? 2 : cls == "idle" ? 3 : 0;
	return (c << kIoprioClassShift) | level;
}

Result<std::string> get_ioprio(pid_t tid)
{
	long v = syscall(SYS_ioprio_get, kIoprioWhoProcess, tid);
	if (v < 0)
		return sys_fail(ExitCode::environment, errno, "ioprio_get({})", tid);
	return ioprio_text(static_cast<int>(v));
}

Result<void> set_ioprio(pid_t tid, const std::string &text)
{
	if (syscall(SYS_ioprio_set, kIoprioWhoProcess, tid, ioprio_value(text)) != 0)
		return sys_fail(ExitCode::environment, errno, "ioprio_set({}, {})", tid, text);
	return {};
}

Result<std::string> get_nice(pid_t tid)
{
	errno = 0;
	int v = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
	if (v == -1 && errno)
		return sys_fail(ExitCode::environment, errno, "getpriority({})", tid);
	return std::to_string(v);
}

Result<void> set_nice(pid_t tid, const std::string &text)
{
	int v = static_cast<int>(parse_int(text).value_or(0));
	if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), v) != 0)
		return sys_fail(ExitCode::environment, errno, "setpriority({}, {})", tid, v);
	return {};
}

// migrate_pages(2) from the nodes in `from` to those in `to`.
Result<void> migrate(pid_t pid, const std::string &from, const std::string &to)
{
	auto a = parse_cpu_list(from), b = parse_cpu_list(to);  // node lists read like CPU lists
	if (!a || !b)
		return fail(ExitCode::internal, "bad node list '{}' or '{}'", from, to);
	constexpr int kMaxNode = 1024;
	std::vector<unsigned long> old_mask(kMaxNode / (8 * sizeof(long))), new_mask(old_mask.size());
	auto set = [](std::vector<unsigned long> &m, int n) {
		if (n >= 0 && n < kMaxNode)
			m[n / (8 * sizeof(long))] |= 1UL << (n % (8 * sizeof(long)));
	};
	for (int n : *a)
		set(old_mask, n);
	for (int n : *b)
		set(new_mask, n);
	if (syscall(SYS_migrate_pages, pid, kMaxNode, old_mask.data(), new_mask.data()) < 0)
		return sys_fail(ExitCode::environment, errno, "migrate_pages({}, {} -> {})", pid, from, to);
	return {};
}

Result<void> set_value(const Change &c, const std::string &value)
{
	switch (c.kind) {
	case Action::Kind::sysctl:
	case Action::Kind::thp:
	case Action::Kind::governor:
		return write_value(c.target, value);
	case Action::Kind::affinity:
		return set_affinity(c.tid, value);
	case Action::Kind::nice:
		return set_nice(c.tid, value);
	case Action::Kind::ioprio:
		return set_ioprio(c.tid, value);
	case Action::Kind::numa:
		return migrate(c.tid, value == c.new_value ? c.old_value : c.new_value, value);
	case Action::Kind::suggest:
		break;
	}
	return fail(ExitCode::internal, "nothing to set for a suggestion");
}

std::string find_library(const std::string &name)
{
	for (const char *dir : {"/usr/lib/*-linux-gnu", "/usr/lib", "/usr/local/lib", "/usr/lib64"}) {
		glob_t g{};
		std::string pattern = fmt::format("{}/lib{}.so*", dir, name);
		if (glob(pattern.c_str(), 0, nullptr, &g) == 0 && g.gl_pathc > 0) {
			std::string found = g.gl_pathv[g.gl_pathc - 1];  // the most specific name
			globfree(&g);
			return found;
		}
		globfree(&g);
	}
	return "";
}

std::string advice_for(const Action &a)
{
	if (a.key == "text")
		return a.value;
	if (a.key == "preload") {
		std::string path = find_library(a.value);
		if (!path.empty())
			return fmt::format("run the program with LD_PRELOAD={} (a restart, no code change)", path);
		return fmt::format("install {0} (Debian: apt-get install lib{0}2), then run the program with "
				   "LD_PRELOAD=lib{0}.so.2 (a restart, no code change)",
				   a.value);
	}
	if (a.key == "pinned_memory")
		return "allocate the host buffers of these copies with cudaMallocHost/cudaHostAlloc (or "
		       "cudaHostRegister them): pageable copies are staged through a bounce buffer and "
		       "cannot overlap kernels";
	if (a.key == "cuda_graphs")
		return "capture the launch loop in a CUDA graph (cudaStreamBeginCapture ... "
		       "cudaGraphLaunch): one launch replaces many";
	return a.key;
}

// Plans one change per thread of each target process.
Plan per_thread(const Action &a, const ActionTarget &t,
		const std::function<Result<std::string>(pid_t)> &current)
{
	Plan p;
	if (t.pids.empty()) {
		p.refused = t.why_none;
		return p;
	}
	std::string new_value = a.value;
	if (a.kind == Action::Kind::affinity) {
		auto cpus = cpus_from_text(a.value);
		auto online = online_cpus();
		if (!cpus) {
			p.refused = cpus.error().msg;
			return p;
		}
		if (online)
			for (int c : *cpus)
				if (std::find(online->begin(), online->end(), c) == online->end()) {
					p.refused = fmt::format("CPU {} is not online", c);
					return p;
				}
		new_value = cpu_list_text(*cpus);
	}
	for (pid_t pid : t.pids)
		for (pid_t tid : threads_of(pid)) {
			auto old = current(tid);
			uint64_t start = thread_start_time(tid);
			if (!old || !start)
				continue;  // ended meanwhile
			if (*old == new_value)
				continue;
			p.changes.push_back({a.kind, fmt::format("tid {}", tid), tid, start, *old, new_value});
		}
	if (p.changes.empty())
		p.unchanged = fmt::format("every thread already has {} {}", kind_name(a.kind), new_value);
	return p;
}

}  // namespace

std::string cpu_list_text(const std::vector<int> &cpus)
{
	std::string s;
	for (size_t i = 0; i < cpus.size();) {
		size_t j = i;
		while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
			j++;
		s += (s.empty() ? "" : ",") +
		     (j == i ? std::to_string(cpus[i]) : fmt::format("{}-{}", cpus[i], cpus[j]));
		i = j + 1;
	}
	return s;
}

std::vector<pid_t> threads_of(pid_t pid)
{
	std::vector<pid_t> tids;
	DIR *d = opendir(fmt::format("/proc/{}/task", pid).c_str());
	if (!d)
		return tids;
	while (dirent *e = readdir(d))
		if (auto tid = parse_int(e->d_name))
			tids.push_back(static_cast<pid_t>(*tid));
	closedir(d);
	std::sort(tids.begin(), tids.end());
	return tids;
}

uint64_t thread_start_time(pid_t tid)
{
	std::string stat = read_line(fmt::format("/proc/{}/stat", tid));
	// The comm (field 2) may hold spaces and parentheses: count after the last ')'.
	size_t close = stat.rfind(')');
	if (close == std::string::npos)
		return 0;
	std::istringstream rest(stat.substr(close + 2));
	std::string field;
	for (int i = 3; i <= 22 && rest >> field; i++)
		if (i == 22)
			return static_cast<uint64_t>(parse_int(field).value_or(0));
	return 0;
}

std::string describe(const Change &c)
{
	std::string what;
	switch (c.kind) {
	case Action::Kind::sysctl: {
		std::string name = c.target.substr(10);  // after "/proc/sys/"
		std::replace(name.begin(), name.end(), '/', '.');
		what = name;
		break;
	}
	case Action::Kind::thp:
	case Action::Kind::governor:
		what = c.target;
		break;
	default:
		what = fmt::format("{} {}", c.target, kind_name(c.kind));
	}
	return fmt::format("{}: {} -> {}", what, c.old_value, c.new_value);
}

Plan plan_action(const Action &a, const ActionTarget &target, bool privileged)
{
	Plan p;
	if (a.kind == Action::Kind::suggest) {
		p.advice = advice_for(a);
		if (a.key == "preload")
			p.preload = find_library(a.value);
		return p;
	}
	auto system_file = [&](const std::string &path, std::string current) {
		if (current == a.value) {
			p.unchanged = fmt::format("already {}", a.value);
			return;
		}
		p.changes.push_back({a.kind, path, 0, 0, current, a.value});
	};
	switch (a.kind) {
	case Action::Kind::sysctl: {
		std::string path = sysctl_path(a.key);
		auto v = read_value(path);
		if (!v) {
			p.refused = fmt::format("no sysctl {} on this kernel ({})", a.key, path);
			break;
		}
		system_file(path, *v);
		break;
	}
	case Action::Kind::thp: {
		std::string mode = bracketed_choice(read_line(kThpPath));
		if (mode.empty()) {
			p.refused = fmt::format("no transparent huge pages ({})", kThpPath);
			break;
		}
		system_file(kThpPath, mode);
		break;
	}
	case Action::Kind::governor: {
		auto cpus = online_cpus();
		if (read_line(kCpufreq0).empty() || !cpus) {
			p.refused = "no cpufreq on this machine (/sys/devices/system/cpu/cpu0/cpufreq)";
			break;
		}
		std::string avail = read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_available_governors");
		if (!avail.empty() && (" " + avail + " ").find(" " + a.value + " ") == std::string::npos) {
			p.refused = fmt::format("governor {} is not available ({})", a.value, avail);
			break;
		}
		for (int cpu : *cpus) {
			std::string path = fmt::format("/sys/devices/system/cpu/cpu{}/cpufreq/scaling_governor", cpu);
			std::string cur = read_line(path);
			if (!cur.empty() && cur != a.value)
				p.changes.push_back({a.kind, path, 0, 0, cur, a.value});
		}
		if (p.changes.empty())
			p.unchanged = fmt::format("every CPU already has governor {}", a.value);
		break;
	}
	case Action::Kind::affinity:
		p = per_thread(a, target, [](pid_t tid) -> Result<std::string> {
			auto cpus = affinity_of(tid);
			if (!cpus)
				return std::unexpected(cpus.error());
			return cpu_list_text(*cpus);
		});
		break;
	case Action::Kind::nice:
		p = per_thread(a, target, get_nice);
		break;
	case Action::Kind::ioprio:
		p = per_thread(a, target, get_ioprio);
		break;
	case Action::Kind::numa: {
		auto nodes = online_nodes();
		int want = static_cast<int>(parse_int(a.value).value_or(-1));
		if (std::find(nodes.begin(), nodes.end(), want) == nodes.end()) {
			p.refused = fmt::format("NUMA node {} is not online (nodes: {})", a.value,
						cpu_list_text(nodes));
			break;
		}
		if (nodes.size() == 1) {
			p.unchanged = fmt::format("one NUMA node: all memory is on node {} already", want);
			break;
		}
		if (target.pids.empty()) {
			p.refused = target.why_none;
			break;
		}
		for (pid_t pid : target.pids)
			if (uint64_t start = thread_start_time(pid))
				p.changes.push_back({a.kind, fmt::format("pid {}", pid), pid, start,
						     cpu_list_text(nodes), a.value});
		break;
	}
	case Action::Kind::suggest:
		break;
	}
	if (p.refused.empty() && !p.changes.empty() && !privileged)
		p.refused = "needs root (changes system or other processes' settings)";
	return p;
}

Result<void> apply_change(const Change &c)
{
	if (c.tid && thread_start_time(c.tid) != c.start_time)
		return fail(ExitCode::environment, "{} has exited", c.target);
	return set_value(c, c.new_value);
}

Result<std::string> revert_change(const Change &c)
{
	if (c.tid && thread_start_time(c.tid) != c.start_time)
		return fmt::format("left alone: {} has exited (pid not reused)", c.target);
	if (auto r = set_value(c, c.old_value); !r)
		return std::unexpected(r.error());
	return fmt::format("restored {}", describe(Change{c.kind, c.target, c.tid, c.start_time,
								 c.new_value, c.old_value}));
}

}  // namespace xpu::tune
