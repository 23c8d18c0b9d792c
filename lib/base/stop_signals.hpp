// SIGINT, SIGTERM and SIGHUP end a session cleanly (the profile is still
// written) instead of killing the profiler. Installed for the lifetime of
// one object; the previous dispositions come back when it goes.
#pragma once

#include <signal.h>

namespace xpu {

class StopSignals {
public:
	StopSignals();
	~StopSignals();
	StopSignals(const StopSignals &) = delete;
	StopSignals &operator=(const StopSignals &) = delete;

	// The first stop signal received, 0 if none.
	int received() const;

private:
	struct sigaction old_int_, old_term_, old_hup_, old_pipe_;
};

}  // namespace xpu
