#include "session/session_end.hpp"

#include <string.h>
#include <sys/wait.h>

#include "base/log.hpp"
#include "session/process_launcher.hpp"
#include "session/profile_session.hpp"

namespace xpu {

namespace {

std::string signal_name(int sig)
{
	const char *abbrev = sigabbrev_np(sig);
	return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace

std::string describe(StopReason r)
{
	switch (r.kind) {
	case StopKind::target_exited: return "target exited";
	case StopKind::duration: return "duration";
	case StopKind::quit: return "quit";
	case StopKind::iterations: return "iterations";
	case StopKind::windows: return "windows";
	case StopKind::signal: break;
	}
	return signal_name(r.signal);
}

std::string describe_command_end(int target_exit, int target_signal)
{
	if (target_signal == 0)
		return "exited with status " + std::to_string(target_exit);
	return "was killed by " + signal_name(target_signal) + " (status " +
	       std::to_string(target_exit) + ")";
}

SessionEnd end_session(ProfileSession &session, StopReason why, CommandStatus status)
{
	constexpr int kWaitMs = 5000;
	SessionEnd end;
	if (pid_t pid = session.command_pid()) {
		if (auto st = session.wait_command(kWaitMs)) {
			end.target_exit = exit_code_of(*st);
			if (WIFSIGNALED(*st))
				end.target_signal = WTERMSIG(*st);
		} else
			log::warn("command {} still running {} s after SIGTERM; left running", pid,
				  kWaitMs / 1000);
	}
	if (why.kind == StopKind::signal)
		end.exit_code = 128 + why.signal;
	else if (status == CommandStatus::passed_on && why.kind == StopKind::target_exited &&
		 end.target_exit)
		end.exit_code = *end.target_exit;
	return end;
}

}  // namespace xpu
