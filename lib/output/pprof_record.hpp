// `record --pprof FILE`: the session's counts as a gzip'd pprof profile,
// written from the EventSet (before anything is folded) so that it keeps
// what folded text cannot carry: thread ids, and the binaries frames lie in.
// The stacks are the folded output's (profile_builder's for_each_sample),
// built by the PprofWriter that report's export uses too.
//
// Sample types, each layer in its own unit, as measured:
//   samples/count          on-CPU samples (always first, the default type)
//   cpu/nanoseconds        the same as time: samples x 1e9 / freq (always)
//   offcpu/nanoseconds     off-CPU time, as measured (not rounded to samples)
//   gpu_wait/nanoseconds   CPU time in synchronizing CUDA calls ([GPU_Wait])
//   gpu/nanoseconds        GPU work under its launch stack
//   gpu_launches/count     launches counted at the CUDA API (-p, no injector)
//   net/bytes              the network layer
// the last five only when the session counted some. A sample carries its
// value in its layer's column (and an on-CPU one in cpu too), 0 elsewhere.
//
// Labels: "pid" and "tid" (numbers; no tid for GPU work no launch matched),
// "comm" (the thread's name), and under --gpu-streams "gpu_device" and
// "gpu_stream" (strings, as report writes them).
//
// Locations: a user frame has its address (a caller's return address - 1,
// the address symbolized) in the Mapping of its binary: path, build id,
// start/limit/offset as /proc/PID/maps gave them, has_functions set (names
// are in the profile: readers need not find the binary). Kernel frames lie
// in one "[kernel]" mapping with the kernel's build id. Frames of no
// address (the thread's name at the root, markers, Python, GPU and network
// frames) are Locations with no mapping and only a function name. Inlined
// frames (--inline) are lines of their caller's Location. The main binary
// (the executable most samples ran in) is mapping 1, as pprof expects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.hpp"
#include "profile/profile_builder.hpp"
#include "profile/event.hpp"
#include "symbolize/symbolizer.hpp"

namespace xpu {

struct PprofRecordOptions {
	int64_t time_nanos = 0;      // when recording started (Unix time)
	int64_t duration_nanos = 0;  // how long it ran
	bool inlines = false;        // the symbolizer added inlined frames (--inline)
};

struct PprofRecordStats {
	size_t samples = 0;
	size_t functions = 0;
	size_t mappings = 0;
};

// The gzip'd bytes.
Result<std::string> record_pprof(const EventSet &set, Symbolizer &sym, const StackLayout &layout,
				 const PprofRecordOptions &opts, PprofRecordStats *stats = nullptr);

// The same without gzip (the serialized Profile), for tests.
std::string record_pprof_message(const EventSet &set, Symbolizer &sym, const StackLayout &layout,
				 const PprofRecordOptions &opts, PprofRecordStats *stats = nullptr);

}  // namespace xpu
