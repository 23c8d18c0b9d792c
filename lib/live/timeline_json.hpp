// `live --http`: the GPU timeline of one window as the page draws it
// (web/timeline.js), from the same events `record --trace` writes
// (lib/gpu/trace_writer.hpp's TraceInput):
//
//   {"window":N,
//    "gpu":[{"pid":P,"dev":0,"stream":7,"name":"k_a","cat":"kernel","s":US,"d":US,"corr":1},...],
//    "calls":[{"pid":P,"tid":T,"api":"cudaLaunchKernel","s":US,"d":US,"corr":1,"at":"main;step"},...],
//    "waits":[{"pid":P,"tid":T,"api":"cudaStreamSynchronize","s":US,"d":US,"at":"..."},...],
//    "threads":[{"pid":P,"tid":T,"name":"app"},...],
//    "dropped":N}
//
// Times are CLOCK_MONOTONIC µs (CUPTI's clock for GPU work, the hook's for
// a call CUPTI did not time: d 0). "at" is the last frames of the call's
// stack. At most `max_events` GPU records, calls and waits together, in
// time order; the rest are counted in "dropped".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "gpu/trace_writer.hpp"

namespace xpu {

// Frames of a call's stack kept in "at", leaf last.
inline constexpr size_t kTimelineStackFrames = 4;

std::string timeline_window_json(uint64_t window, const TraceInput &in, size_t max_events);

}  // namespace xpu
