// How a session ends, in one place for record, top, live and tune: why it
// stopped (an enum, printed as words only in summaries), the wait for the
// command it launched, and the exit status the profiler then returns.
#pragma once

#include <optional>
#include <string>

namespace xpu {

class ProfileSession;

enum class StopKind {
	target_exited,  // the command (or every -p process) ended by itself
	duration,       // --duration ran out
	signal,         // SIGINT, SIGTERM or SIGHUP
	quit,           // top: 'q'
	iterations,     // top: -n refreshes done
	windows,        // live: --windows done
};

struct StopReason {
	StopKind kind = StopKind::duration;
	int signal = 0;  // with StopKind::signal
};

// The words summaries print: "target exited", "duration", "SIGINT", ...
std::string describe(StopReason r);

// Whether the command's own exit status becomes the profiler's (record),
// or only a stop signal changes it (top, live).
enum class CommandStatus { ignored, passed_on };

struct SessionEnd {
	std::optional<int> target_exit;  // the command's shell-style status, when it ended
	int target_signal = 0;           // the signal that killed the command, or 0
	int exit_code = 0;               // what the profiler exits with
};

// How the command ended, as users read it: "exited with status 3", or
// "was killed by SIGSEGV (status 139)" where a shell would only say 139.
std::string describe_command_end(int target_exit, int target_signal);

// After ProfileSession::stop(): waits up to 5 s for the launched command
// (it was sent SIGTERM unless it ended by itself) and decides the exit
// status: 128+N when signal N stopped the session (as if it had killed
// us), the command's status when it ended by itself and `status` passes
// it on, 0 otherwise.
SessionEnd end_session(ProfileSession &session, StopReason why, CommandStatus status);

}  // namespace xpu
