#include "session/preflight.hpp"

#include <linux/capability.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "base/log.hpp"

namespace xpu {

namespace {

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

bool has_effective_cap(int cap)
{
	__user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct data[2] = {};
	if (syscall(SYS_capget, &hdr, data) != 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

std::string own_path()
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "xpu-perf";
}

}  // namespace

Privileges current_privileges()
{
	Privileges p;
	p.root = geteuid() == 0;
	p.cap_bpf = has_effective_cap(CAP_BPF);
	p.cap_perfmon = has_effective_cap(CAP_PERFMON);
	p.cap_sys_ptrace = has_effective_cap(CAP_SYS_PTRACE);
	p.cap_sys_admin = has_effective_cap(CAP_SYS_ADMIN);
	return p;
}

std::string setcap_command()
{
	// CAP_SYS_PTRACE reads other users' /proc/PID/maps (symbols of -p and
	// -a targets); CAP_SYS_ADMIN covers what older kernels gate behind it.
	return "sudo setcap cap_bpf,cap_perfmon,cap_sys_ptrace,cap_sys_admin+ep " + own_path();
}

Result<void> check_privileges()
{
	if (current_privileges().enough())
		return {};
	return fail(ExitCode::environment,
		    "not enough privileges to load BPF: run as root (sudo), or grant the binary "
		    "'{}'",
		    setcap_command());
}

Result<void> check_btf()
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		return {};
	return fail(ExitCode::environment,
		    "no kernel BTF (/sys/kernel/btf/vmlinux): this kernel needs "
		    "CONFIG_DEBUG_INFO_BTF=y (most distribution kernels >= 5.8 have it)");
}

Result<std::vector<pid_t>> resolve_processes(const std::vector<pid_t> &pids)
{
	std::vector<pid_t> out;
	for (pid_t pid : pids) {
		if (kill(pid, 0) != 0 && errno == ESRCH)
			return fail(ExitCode::no_such_process, "no such process: {}", pid);
		pid_t tgid = pid;
		std::ifstream status(fmt::format("/proc/{}/status", pid));
		for (std::string line; std::getline(status, line);) {
			if (line.starts_with("Tgid:")) {
				tgid = static_cast<pid_t>(std::atoi(line.c_str() + 5));
				break;
			}
		}
		if (tgid > 0 && tgid != pid) {
			log::warn("{} is a thread of process {}: profiling the process", pid, tgid);
			pid = tgid;
		}
		if (std::find(out.begin(), out.end(), pid) == out.end())
			out.push_back(pid);
	}
	return out;
}

}  // namespace xpu
