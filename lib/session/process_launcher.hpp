// Starts the profiled command held before exec, so the sampler can be
// attached to its pid first, then lets it run (perf record's workload
// prepare/start split).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/fd.hpp"

namespace xpu {

struct LaunchOptions {
	std::vector<std::string> argv;
	// `record -o -` writes the profile to stdout; the command's stdout then
	// goes to stderr so the two streams never mix.
	bool stdout_to_stderr = false;
	// "NAME=value" entries set (or replaced) in the command's environment:
	// the GPU source's injector and pipe.
	std::vector<std::string> env;
	// stdin from and stdout to /dev/null: tune --verify's timed runs, whose
	// output would mix with the findings.
	bool null_stdio = false;
};

// Resolves argv[0] the way execvp would: 127 when not found, 126 when found
// but not executable. Returns the path that will run.
Result<std::string> resolve_command(const std::string &name);

// Shell convention for a wait status: the exit code, or 128 + signal.
int exit_code_of(int wait_status);

class HeldProcess {
public:
	static Result<HeldProcess> spawn(const LaunchOptions &opts);
	HeldProcess(HeldProcess &&) noexcept;
	HeldProcess &operator=(HeldProcess &&) = delete;
	~HeldProcess();  // a child never released is killed and reaped

	pid_t pid() const { return pid_; }
	// Lets the child exec. Fails (126/127) when exec fails.
	Result<void> release();
	// The wait status once the child has exited, without blocking.
	std::optional<int> try_wait();
	// Blocks until the child exits (at most timeout_ms; -1 = forever).
	std::optional<int> wait(int timeout_ms = -1);
	void signal(int sig);
	bool running() const { return pid_ > 0 && !status_; }

private:
	HeldProcess() = default;
	pid_t pid_ = -1;
	Fd gate_;       // write end: one byte lets the child exec
	Fd exec_err_;   // read end: errno of a failed exec, EOF on success
	std::string path_;
	std::optional<int> status_;
};

}  // namespace xpu
