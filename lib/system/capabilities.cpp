#include "system/capabilities.hpp"

#include <linux/perf_event.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fmt/ranges.h>

#include "kernel/net_probe.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "kernel/bpf_session.hpp"
#include "base/fd.hpp"
#include "base/parse.hpp"
#include "kernel/perf_event.hpp"
#include "session/preflight.hpp"
#include "xpu.skel.h"

namespace xpu {

namespace {

constexpr const char *kBtfPath = "/sys/kernel/btf/vmlinux";
// The oldest kernel with everything record loads: BTF tracepoints (5.5),
// ring buffer (5.8), task storage in tracing programs (5.11).
constexpr std::pair<int, int> kMinKernel = {5, 11};

std::optional<long long> read_number(const std::string &path)
{
	std::ifstream f(path);
	std::string text;
	if (!std::getline(f, text))
		return std::nullopt;
	return parse_int(text);
}

std::string first_line(const std::string &path)
{
	std::ifstream f(path);
	std::string line;
	std::getline(f, line);
	return line;
}

std::string errno_name(int err)
{
	err = err < 0 ? -err : err;
	switch (err) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENODEV: return "ENODEV";
	case E2BIG: return "E2BIG";
	default: return fmt::format("errno {}", err);
	}
}

int sys_perf_event_open(perf_event_attr *attr, pid_t pid, int cpu)
{
	return static_cast<int>(
		syscall(__NR_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

// A libbpf_probe_* answer (1 yes, 0 no, <0 error) as a check line.
CheckItem from_probe(std::string name, bool needed, int res, const std::string &what,
		     const std::string &needs)
{
	if (res == 1)
		return make_item(std::move(name), CheckStatus::ok, needed, what);
	std::string why = res == 0 ? "the kernel refuses it" : "probe failed: " + errno_name(res);
	return make_item(std::move(name), CheckStatus::missing, needed,
			 fmt::format("{}: {}", what, why), needs);
}

// A BTF tracepoint program (what the off-CPU and process-tracking programs
// are) attached to sched_switch: "r0 = 0; exit", loaded and closed. libbpf
// 1.1's libbpf_probe_bpf_prog_type cannot probe tracing programs.
CheckItem probe_tp_btf()
{
	const char *what = "BTF tracepoint programs (tp_btf/sched_switch)";
	btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return make_item("bpf_tp_btf", CheckStatus::missing, true,
				 fmt::format("{}: no kernel BTF", what), "see btf");
	int id = btf__find_by_name_kind(vmlinux, "btf_trace_sched_switch", BTF_KIND_TYPEDEF);
	btf__free(vmlinux);
	if (id < 0)
		return make_item("bpf_tp_btf", CheckStatus::missing, true,
				 fmt::format("{}: sched_switch not in the kernel BTF", what));
	const bpf_insn insns[] = {
		{BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
		{BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP,
		    .attach_btf_id = static_cast<__u32>(id));
	Fd fd(bpf_prog_load(BPF_PROG_TYPE_TRACING, "xpu_probe_tp", "GPL", insns, 2, &opts));
	if (!fd)
		return make_item("bpf_tp_btf", CheckStatus::missing, true,
				 fmt::format("{}: load failed ({})", what, errno_name(errno)),
				 "a kernel >= 5.5 with CONFIG_DEBUG_INFO_BTF=y");
	return make_item("bpf_tp_btf", CheckStatus::ok, true, what);
}

[[gnu::noinline]] int uprobe_target(int x)
{
	asm volatile("" ::: "memory");
	return x + 1;
}

// The file offset of one of our own functions, for a uprobe that is
// registered and removed without ever firing.
std::optional<std::pair<std::string, uint64_t>> own_code_offset()
{
	auto addr = reinterpret_cast<uint64_t>(&uprobe_target);
	std::ifstream maps("/proc/self/maps");
	for (std::string line; std::getline(maps, line);) {
		unsigned long long lo = 0, hi = 0, off = 0;
		char perms[8] = {};
		int path_at = 0;
		if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %*s %*s %n", &lo, &hi, perms, &off,
				&path_at) < 4 || addr < lo || addr >= hi || path_at <= 0)
			continue;
		return std::pair{line.substr(static_cast<size_t>(path_at)), addr - lo + off};
	}
	return std::nullopt;
}

CheckItem probe_uprobe()
{
	const char *what = "uprobes (GPU launch stacks)";
	int prog = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_KPROBE, nullptr);
	if (prog != 1)
		return from_probe("bpf_uprobe", false, prog, what, "a kernel with CONFIG_UPROBES=y");
	auto type = read_number("/sys/bus/event_source/devices/uprobe/type");
	auto target = own_code_offset();
	if (!type || !target)
		return make_item("bpf_uprobe", CheckStatus::missing, false,
				 fmt::format("{}: no uprobe PMU", what),
				 "a kernel with CONFIG_UPROBE_EVENTS=y");
	perf_event_attr attr = {};
	attr.size = sizeof(attr);
	attr.type = static_cast<__u32>(*type);
	attr.config1 = reinterpret_cast<uint64_t>(target->first.c_str());
	attr.config2 = target->second;
	Fd fd(sys_perf_event_open(&attr, -1, 0));
	if (!fd)
		return make_item("bpf_uprobe", CheckStatus::missing, false,
				 fmt::format("{}: cannot create one ({})", what, errno_name(errno)));
	return make_item("bpf_uprobe", CheckStatus::ok, false, what);
}

// record's own programs, loaded the way record loads them (on-CPU and
// off-CPU layers), then unloaded: the verifier's verdict on this kernel.
CheckItem probe_record_programs()
{
	BpfOptions opts;
	opts.offcpu = true;
	auto t0 = std::chrono::steady_clock::now();
	auto session = BpfSession::open(opts);
	double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
			    .count();
	if (!session)
		return make_item("bpf_record_programs", CheckStatus::missing, true,
				 "record's BPF programs do not load: " + session.error().msg,
				 "xpu-perf record -vvv shows the verifier log");
	int n = 0;
	bpf_program *p;
	bpf_object__for_each_program(p, (*session)->skel().obj) n += bpf_program__autoload(p);
	auto item = make_item("bpf_record_programs", CheckStatus::ok, true,
			      fmt::format("record's {} BPF programs load ({:.0f} ms)", n, ms));
	item.values = {{"programs", n}};
	return item;
}

}  // namespace

std::pair<int, int> parse_kernel_release(const std::string &release)
{
	int major = 0, minor = 0;
	if (std::sscanf(release.c_str(), "%d.%d", &major, &minor) != 2)
		return {0, 0};
	return {major, minor};
}

CheckItem probe_privileges()
{
	Privileges p = current_privileges();
	if (p.root)
		return make_item("privileges", CheckStatus::ok, true, "root");
	std::string caps = fmt::format("CAP_BPF {}, CAP_PERFMON {}", p.cap_bpf ? "yes" : "no",
				       p.cap_perfmon ? "yes" : "no");
	if (p.enough())
		return make_item("privileges", CheckStatus::ok, true, "not root; " + caps);
	return make_item("privileges", CheckStatus::missing, true,
			 fmt::format("not root (uid {}); {}", geteuid(), caps),
			 "run as root, or " + setcap_command());
}

CheckItem probe_kernel_version()
{
	utsname u = {};
	uname(&u);
	auto v = parse_kernel_release(u.release);
	auto item = make_item("kernel", CheckStatus::ok, false, fmt::format("Linux {}", u.release));
	item.values = {{"major", v.first}, {"minor", v.second}};
	if (v < kMinKernel) {
		item.status = CheckStatus::info;
		item.detail += fmt::format(" (older than {}.{}: the BPF lines below decide)",
					   kMinKernel.first, kMinKernel.second);
	}
	return item;
}

CheckItem probe_btf()
{
	struct stat st = {};
	if (stat(kBtfPath, &st) != 0 || access(kBtfPath, R_OK) != 0)
		return make_item("btf", CheckStatus::missing, true,
				 fmt::format("no kernel BTF ({})", kBtfPath),
				 "a kernel with CONFIG_DEBUG_INFO_BTF=y (most distribution kernels "
				 ">= 5.8)");
	auto item = make_item("btf", CheckStatus::ok, true,
			      fmt::format("{} ({:.1f} MB)", kBtfPath, st.st_size / 1e6));
	return item;
}

CheckItem probe_perf_event()
{
	auto cycles = open_sampling_events(99, EventChoice::cycles);
	if (cycles)
		return make_item("perf_event", CheckStatus::ok, true,
				 fmt::format("hardware cycles sampling on {} CPUs", cycles->fds.size()));
	auto clock = open_sampling_events(99, EventChoice::cpu_clock);
	if (clock)
		return make_item("perf_event", CheckStatus::ok, true,
				 fmt::format("software cpu-clock sampling on {} CPUs (no hardware "
					     "cycles event here: a VM or container?)",
					     clock->fds.size()));
	return make_item("perf_event", CheckStatus::missing, true,
			 "no sampling event: " + clock.error().msg,
			 "run as root or with CAP_PERFMON (see privileges)");
}

std::vector<CheckItem> probe_bpf_features(bool privileged)
{
	struct Kind {
		const char *name;
		bool needed;
		const char *what;
	};
	static const Kind kinds[] = {
		{"bpf_perf_event", true, "perf_event programs (on-CPU sampling)"},
		{"bpf_tp_btf", true, "BTF tracepoint programs (tp_btf/sched_switch)"},
		{"bpf_uprobe", false, "uprobes (GPU launch stacks)"},
		{"bpf_ringbuf", true, "ring buffer maps"},
		{"bpf_task_storage", true, "task storage maps (off-CPU thread state)"},
		{"bpf_loop", false, "bpf_loop (user stacks walked from .eh_frame in BPF)"},
		{"bpf_record_programs", true, "record's BPF programs"},
	};
	std::vector<CheckItem> items;
	if (!privileged) {
		for (const Kind &k : kinds)
			items.push_back(make_item(k.name, CheckStatus::missing, k.needed,
						  fmt::format("{}: cannot probe without privileges", k.what),
						  "see privileges"));
		return items;
	}
	items.push_back(from_probe("bpf_perf_event", true,
				   libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_PERF_EVENT, nullptr),
				   kinds[0].what, "a kernel with CONFIG_BPF_EVENTS=y"));
	items.push_back(probe_tp_btf());
	items.push_back(probe_uprobe());
	items.push_back(from_probe("bpf_ringbuf", true,
				   libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr),
				   kinds[3].what, "a kernel >= 5.8"));
	items.push_back(from_probe("bpf_task_storage", true,
				   libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, nullptr),
				   kinds[4].what, "a kernel >= 5.11"));
	if (kernel_has_bpf_loop())
		items.push_back(make_item("bpf_loop", CheckStatus::ok, false, kinds[5].what));
	else
		items.push_back(make_item("bpf_loop", CheckStatus::missing, false,
					  "no bpf_loop: user stacks through bpf_get_stack (frame "
					  "pointers only)",
					  "a kernel >= 5.17 for stacks without frame pointers"));
	items.push_back(probe_record_programs());
	return items;
}

CheckItem probe_kprobes()
{
	auto type = read_number("/sys/bus/event_source/devices/kprobe/type");
	if (!type)
		return make_item("kprobes", CheckStatus::missing, false,
				 "no kprobe PMU (kernel without CONFIG_KPROBES?); not needed");
	perf_event_attr attr = {};
	attr.size = sizeof(attr);
	attr.type = static_cast<__u32>(*type);
	attr.config1 = reinterpret_cast<uint64_t>("do_nanosleep");
	Fd fd(sys_perf_event_open(&attr, -1, 0));
	if (!fd)
		return make_item("kprobes", CheckStatus::missing, false,
				 fmt::format("cannot create a kprobe ({}); not needed", errno_name(errno)));
	return make_item("kprobes", CheckStatus::ok, false, "kprobes can be created (not needed)");
}

CheckItem probe_tracefs()
{
	for (const char *dir : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
		if (access((std::string(dir) + "/events").c_str(), R_OK) == 0)
			return make_item("tracefs", CheckStatus::ok, false,
					 fmt::format("mounted at {} (not needed)", dir));
	}
	return make_item("tracefs", CheckStatus::missing, false,
			 "not mounted; not needed (xpu-perf uses BTF tracepoints)");
}

CheckItem probe_lockdown()
{
	std::string line = first_line("/sys/kernel/security/lockdown");
	if (line.empty())
		return make_item("lockdown", CheckStatus::info, false, "not reported by this kernel");
	auto at = line.find('['), end = line.find(']');
	std::string mode = at != line.npos && end > at ? line.substr(at + 1, end - at - 1) : line;
	if (mode == "none")
		return make_item("lockdown", CheckStatus::ok, false, "none");
	return make_item("lockdown", CheckStatus::info, false,
			 fmt::format("{}: the kernel may refuse some BPF helpers", mode));
}

CheckItem probe_perf_event_paranoid(bool privileged)
{
	auto v = read_number("/proc/sys/kernel/perf_event_paranoid");
	if (!v)
		return make_item("perf_event_paranoid", CheckStatus::info, false, "cannot be read");
	std::string meaning = *v <= -1 ? "no restrictions"
			      : *v == 0 ? "unprivileged users see CPU-wide events, not kernel data"
			      : *v == 1 ? "unprivileged users may profile their own processes"
					: "unprivileged users may profile their own processes, user space only";
	auto item = make_item("perf_event_paranoid", CheckStatus::info, false,
			      fmt::format("{} ({}; {})", *v, meaning,
					  privileged ? "xpu-perf's privileges bypass it"
						     : "xpu-perf needs privileges anyway"));
	item.values = {{"value", *v}};
	return item;
}

CheckItem probe_perf_event_max_stack()
{
	// Kernel stacks come from bpf_get_stack, which stops at this sysctl;
	// 127 (its default) is deep enough for them. User stacks are walked by
	// our own unwinder, up to XPU_MAX_STACK_DEPTH (bpf/common.h).
	constexpr long long kDepth = 127;
	auto v = read_number("/proc/sys/kernel/perf_event_max_stack");
	if (!v)
		return make_item("perf_event_max_stack", CheckStatus::info, false, "cannot be read");
	CheckItem item;
	if (*v >= kDepth)
		item = make_item("perf_event_max_stack", CheckStatus::ok, false,
				 fmt::format("{} (kernel stacks up to {} frames)", *v, kDepth));
	else
		item = make_item("perf_event_max_stack", CheckStatus::info, false,
				 fmt::format("{}: kernel stacks deeper than {} frames are cut", *v, *v),
				 fmt::format("sudo sysctl kernel.perf_event_max_stack={}", kDepth));
	item.values = {{"value", *v}};
	return item;
}

}  // namespace xpu

namespace xpu {

// Not needed: only --net uses them, and it counts what it can.
CheckItem probe_net_tracepoints_item()
{
	NetTracepoints tp = probe_net_tracepoints();
	std::vector<std::string> missing = tp.missing();
	if (missing.empty())
		return make_item("net_tracepoints", CheckStatus::ok, false,
				 "socket and TCP BTF tracepoints for --net (sock_send_length, "
				 "sock_recv_length, tcp_retransmit_skb)");
	std::string detail = fmt::format("--net {}: no BTF tracepoint {}",
					 tp.any_io() ? "counts less" : "cannot run",
					 fmt::join(missing, ", "));
	return make_item("net_tracepoints", tp.any_io() ? CheckStatus::info : CheckStatus::missing,
			 false, detail, "Linux 6.3 or later with CONFIG_DEBUG_INFO_BTF=y");
}

}  // namespace xpu
