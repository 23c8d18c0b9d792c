// Shared by the tests that run real processes: where the build is, running a
// command with its output captured, and reading folded stacks.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xpu::test {

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
	int signal = 0;
};

RunResult run(const std::vector<std::string> &argv, const RunOptions &opts = {});

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
