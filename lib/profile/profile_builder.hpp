// Joins what the sources counted with what the symbolizer knows. Each count
// becomes one folded stack, in stackcollapse-perf.pl's layout:
//
//   on-CPU    comm;user root..user leaf;kernel root_[k]..kernel leaf_[k]
//   off-CPU   comm;user..;kernel.._[k];[off-cpu:S]
//   network   comm;user..;[net:send]PEER    (weight: bytes, see net_frames.hpp)
//   + waker   ...;[off-cpu:S];--;waker kernel leaf_[k]..;waker user leaf..;waker comm
//
// The root frame is the thread name, or "comm-PID" with --pid-prefix. The
// off-CPU leaf names the state the thread waited in (ps letters: S sleep,
// D uninterruptible, I idle D, R runnable but preempted, T stopped). With
// wakers, the waker's stack follows a "--" frame leaf first, as bcc's
// offwaketime prints it for flamegraph.pl --colors=chain. Off-CPU and GPU
// time enter the Profile in nanoseconds; it converts them to samples at the
// sampling frequency when read (profile.hpp, weights.hpp).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "profile/profile.hpp"
#include "profile/python_walks.hpp"
#include "profile/event.hpp"
#include "symbolize/symbolizer.hpp"

namespace xpu {

struct StackLayout {
	bool pid_prefix = false;
	int freq = 99;  // samples per second: the unit off-CPU time converts to
};

// Frames that stand for a stack the kernel could not capture (bcc's names).
inline constexpr const char *kMissedUserStack = "[Missed User Stack]";
inline constexpr const char *kMissedKernelStack = "[Missed Kernel Stack]";
// "[off-cpu:S]": the leaf of every off-CPU stack.
inline constexpr const char *kOffCpuPrefix = "[off-cpu:";
inline constexpr const char *kWakerSeparator = "--";

std::string offcpu_frame(char state);
// "[truncated:no-table]": the root-most user frame of a stack whose unwind
// ended early, for the reason the unwinder gave (bpf/unwind.h).
std::string truncated_frame(uint64_t sentinel);
std::string truncation_reason(uint64_t sentinel);

// How complete the user stacks are, by weight (samples; off-CPU time in
// samples at the frequency): rooted stacks reach a process's first frame
// (_start, a thread's start); truncated ones were cut by the unwinder, with
// a reason; the rest ended early without one (a frame-pointer chain that
// broke), listed by the binary they ended in.
struct StackQuality {
	double with_user = 0;
	double rooted = 0;
	std::map<std::string, double> truncated;  // by reason
	std::map<std::string, double> unrooted;   // by binary, "[libfoo.so]"
	PyWalkStats python;                        // filled from the BPF counters, not the stacks
	// Network stacks, counted in calls apart from the others (their
	// weight is bytes, not time).
	double net_calls = 0;
	double net_rooted = 0;
	double truncated_total() const;
};

// The outermost frames a complete stack ends in.
bool is_root_frame(std::string_view name);

// A GPU launch's stack, root first, as its folded GPU stacks show it
// between the thread's name and the API frame (for the timeline).
std::vector<std::string> launch_frames(const ThreadStacks &t, const StackStore &stacks, Symbolizer &sym);

// A thread's user then kernel frames, root first, as its off-CPU stacks
// show them between the thread's name and the [off-cpu:S] leaf.
std::vector<std::string> thread_frames(const ThreadStacks &t, const StackStore &stacks, Symbolizer &sym);

Profile build_profile(const EventSet &set, Symbolizer &sym, const StackLayout &layout,
		      StackQuality *quality = nullptr);

// The frames of one stack, root first, as folded text names them; with
// `addresses` (record --pprof), each frame's address and mapping alongside
// in `where` (FrameAddress{} for a frame of no address: the thread's name,
// a marker, a GPU, network or Python frame).
struct StackFrames {
	bool addresses = false;
	std::vector<std::string> names;
	std::vector<FrameAddress> where;  // empty without addresses

	void push(std::string name, FrameAddress at = {});
	void clear();
};

// One event of an EventSet as a stack: what build_profile folds (before it
// converts time to samples) and record --pprof keeps, in the kind's own unit
// (event.weight).
struct StackSample {
	const Event &event;
	const StackFrames &frames;
	// GPU work under --gpu-streams: its device and stream, else "".
	std::string_view gpu_device;
	std::string_view gpu_stream;
};

// The unit a profile keeps an event kind's weight in.
WeightUnit weight_unit(EventKind k);

// Calls `f` for each event of `set` that has a weight (not timed copies,
// nor sockets that moved no bytes), in the set's order, its stack built as
// build_profile writes it, with addresses when asked.
void for_each_sample(const EventSet &set, Symbolizer &sym, const StackLayout &layout,
		     bool addresses, StackQuality *quality,
		     const std::function<void(const StackSample &)> &f);

// The network layer's stacks with both of their counts: the folded stack
// (ending in "[net:send]PEER", as build_profile writes it), its bytes and
// its calls (segments for retransmits). The folded profile keeps only the
// bytes; tune's rules also read the calls.
struct NetStackCount {
	std::string stack;
	uint64_t bytes = 0;
	uint64_t calls = 0;
};
std::vector<NetStackCount> build_net_stacks(const EventSet &set, Symbolizer &sym,
					    const StackLayout &layout);

// Wall-clock time per process, for the summary line.
struct ProcessTime {
	pid_t pid = 0;
	std::string comm;
	uint64_t oncpu_samples = 0;
	std::map<char, uint64_t> offcpu_ns;  // by state
	uint64_t offcpu_total_ns() const;
};

// Processes by total time (on-CPU at `freq` plus off-CPU), largest first.
std::vector<ProcessTime> process_times(const EventSet &set, int freq);

}  // namespace xpu
