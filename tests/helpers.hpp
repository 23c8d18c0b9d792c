// Shared by the tests that run real processes: where the build is, running a
// command with its output captured, and reading folded stacks.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

// Ends the current test case as skipped, with a reason: Catch2 v2 has no
// SKIP, so the reason is recorded (note_skip) and the case's listener in
// main.cpp reports it as "SKIP <case>: <reason>" and in the log tests/run.sh
// counts (XPU_TEST_LOG), never as passed. Only in a TEST_CASE body.
#define XPU_SKIP(reason)                                          \
	do {                                                      \
		std::ostringstream xpu_skip_os_;                  \
		xpu_skip_os_ << reason;                           \
		::xpu::test::note_skip(xpu_skip_os_.str());      \
		return;                                           \
	} while (0)

namespace xpu::test {

// Marks the running test case as skipped (see XPU_SKIP).
void note_skip(const std::string &reason);

// The build directory: the directory of the running test binary.
std::string build_dir();
// build_dir() + "/xpu-perf".
std::string xpu_perf();

struct RunResult {
	int exit_code = -1;  // shell convention: 128+N when killed by signal N
	std::string out;
	std::string err;
	double seconds = 0;
};

struct RunOptions {
	std::optional<uid_t> uid;       // drop to this uid (and gid) before exec
	int signal_after_ms = -1;       // send `signal` to the process after this long
	// Or: send `signal` once this holds for the process's pid (polled; after
	// 60 s without it, the test fails and the process is killed).
	std::function<bool(pid_t)> signal_when;
	int signal = 0;
};

// Polls `pred` every 10 ms until it holds; false after `timeout_s` (a guard
// against hangs, not a speed bound: make it generous).
bool wait_until(const std::function<bool()> &pred, double timeout_s = 60);
// The pid of a child of `parent` whose executable's name is `exe_name`.
std::optional<pid_t> child_named(pid_t parent, const std::string &exe_name);
// Whether `pid`'s executable (after exec) has the name `exe_name`.
bool runs_exe(pid_t pid, const std::string &exe_name);
// User plus system CPU time of `pid` so far; 0 once it is gone.
double cpu_seconds(pid_t pid);

RunResult run(const std::vector<std::string> &argv, const RunOptions &opts = {});

// A copy of xpu-perf that an unprivileged user can execute: the checkout may
// sit in a directory others cannot enter (mktemp -d, a 0700 home). The copy
// lives in its own 0755 directory under /tmp, removed with this object.
struct BinaryForOthers {
	std::string dir, path;
	BinaryForOthers();
	~BinaryForOthers();
	BinaryForOthers(const BinaryForOthers &) = delete;
	BinaryForOthers &operator=(const BinaryForOthers &) = delete;
};

// Starts argv in the background with stdout/stderr to /dev/null.
pid_t spawn(const std::vector<std::string> &argv);
// Waits for a pid from spawn(); returns its shell-style exit code.
int reap(pid_t pid);

std::string read_file(const std::string &path);
std::string temp_path(const std::string &name);

// Folded text -> stack -> weight. Fails the test on a line that
// flamegraph.pl would not read.
std::map<std::string, uint64_t> parse_folded(const std::string &text);
// Sum of weights of stacks that contain `frame` as a whole frame.
uint64_t weight_with(const std::map<std::string, uint64_t> &folded, const std::string &frame);
uint64_t total_weight(const std::map<std::string, uint64_t> &folded);
// Sum of weights of stacks for which `pred` holds.
uint64_t weight_if(const std::map<std::string, uint64_t> &folded,
		   const std::function<bool(const std::string &)> &pred);
// Runs `xpu-perf record -o TEMP FLAGS [-- CMD...]`, requires exit 0, and
// returns the profile it wrote; `result` gets the run (the command's output).
std::map<std::string, uint64_t> record_folded(const std::vector<std::string> &flags,
					      const std::vector<std::string> &cmd,
					      RunResult *result = nullptr);
std::vector<std::string> split_frames(const std::string &stack);

}  // namespace xpu::test
