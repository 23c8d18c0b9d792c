// Run directories (TMPDIR/xpu-perf-XXXXXX: the GPU pipe, the injector copy)
// left behind by an xpu-perf that was killed (SIGKILL, OOM) before its
// destructor could remove them. The next run removes them.
#pragma once

#include <string>
#include <vector>

namespace xpu {

// Removes the directories named xpu-perf-XXXXXX (six characters, as
// mkdtemp makes them) directly under `tmpdir` that are this user's, hold
// the FIFO gpu.pipe, were last changed more than `min_age_s` ago (a run
// that is just creating its own is not touched), and whose pipe no process
// has open: a live run holds its read end for its whole life. Returns the
// paths removed. Errors are not reported: this is housekeeping.
std::vector<std::string> remove_stale_run_dirs(const std::string &tmpdir, int min_age_s = 60);

}  // namespace xpu
