// The actions of tune rules made concrete: what exactly a rule's action
// would change on this machine (files under /proc/sys and /sys, or
// scheduler settings of the target's threads), from which value to which,
// or why it cannot. Applying and reverting a change touch only what the
// change names; process changes check the thread's start time first, so
// a reused pid is never touched.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "tune/tune_rule.hpp"

namespace xpu::tune {

struct Change {
	Action::Kind kind = Action::Kind::sysctl;
	std::string target;        // a file ("/proc/sys/vm/swappiness") or "tid 1234"
	pid_t tid = 0;             // process changes: the thread changed
	uint64_t start_time = 0;   // its start time (/proc/TID/stat field 22)
	std::string old_value;
	std::string new_value;
};

// "vm.dirty_background_ratio 10 -> 5", "tid 1234 nice 0 -> -5".
std::string describe(const Change &c);

// What the process-scoped actions act on: the -p processes still running.
struct ActionTarget {
	std::vector<pid_t> pids;
	std::string why_none;  // when pids is empty: why ("the command has exited")
};

struct Plan {
	std::vector<Change> changes;  // what --apply would change (empty: nothing)
	std::string refused;          // why it cannot be done here, if so
	std::string unchanged;        // why nothing needs to change, if so
	std::string advice;           // a suggest action's text
	std::string preload;          // suggest preload(LIB): the library's path, when installed
	bool actionable() const { return !changes.empty() && refused.empty(); }
};

// Reads the current values and decides. `privileged`: the caller may
// change system settings (root); otherwise changes are refused.
Plan plan_action(const Action &a, const ActionTarget &target, bool privileged);

Result<void> apply_change(const Change &c);
// Puts the old value back. A thread that has gone (or whose pid now names
// another thread) is left alone: the result says so and is not an error.
Result<std::string> revert_change(const Change &c);

// The start time of a thread in clock ticks after boot (field 22 of
// /proc/TID/stat), 0 when it does not exist.
uint64_t thread_start_time(pid_t tid);

// The threads of a process (/proc/PID/task).
std::vector<pid_t> threads_of(pid_t pid);

// "0-3,6" for a CPU set given as a list of CPUs.
std::string cpu_list_text(const std::vector<int> &cpus);

}  // namespace xpu::tune
