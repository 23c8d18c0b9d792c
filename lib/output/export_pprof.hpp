// `report --format pprof` (and the live page's pprof download): the profile
// as a gzip-compressed perftools.profiles.Profile (lib/output/profile.proto),
// what go tool pprof, Pyroscope and Parca read, built by the PprofWriter
// that `record --pprof` shares (pprof_writer.hpp) and gzip'd with zlib.
//
// One sample type per layer present, each in its own unit, so that no
// viewer adds time to bytes or on-CPU samples to wall time:
//   samples/count        on-CPU samples (always first, and the default type)
//   cpu/nanoseconds      the same as time, samples x 1e9 / freq   (with freq)
//   offcpu/nanoseconds   off-CPU time ([off-cpu:S] stacks)        (samples without freq)
//   gpu_wait/nanoseconds CPU wall time in synchronizing CUDA calls ([GPU_Wait])
//   gpu/nanoseconds      GPU work under its launch stack ([GPU_Kernel], ...)
//   gpu_launches/count   launches counted without CUPTI ([GPU_Launch]: -p, or
//                        CUPTI held by another tool); counts, never time
//   net/bytes            the network layer ([net:send]PEER)
// A sample carries its weight in its layer's column and 0 in the others.
// Folded weights are samples at the profile's frequency: nanoseconds need
// it (`freq`), and without it those types say "samples" instead.
//
// Labels: "comm" (the process frame) and "pid" (its -PID suffix, with
// --pid-prefix), and for GPU work under a [GPU_Stream]D:S frame
// (--gpu-streams) "gpu_device" and "gpu_stream". An inlined frame
// ("name_[i]", --inline) is a Line of the Location of the function it was
// inlined into (leaf first, as pprof lists them), named without the marker.
// Not here, because folded text does not carry them: thread ids, and
// mappings with file names and build ids (record --pprof writes those,
// pprof_record.hpp).
//
// Each distinct frame name is one Function; each distinct run of a frame
// and the frames inlined into it is one Location. Each stack where weight
// ends is one Sample (location ids leaf first), its value rounded to an
// integer (pprof values are int64; stacks that round to 0 are left out and
// counted). Ids follow tree order, so the same stacks give the same bytes.
#pragma once

#include <cstddef>
#include <string>

#include "base/error.hpp"
#include "output/pprof_writer.hpp"
#include "profile/stack_tree.hpp"

namespace xpu {

struct PprofOptions {
	int freq = 0;  // the samples' frequency (Hz); 0: unknown, times stay in samples
};

struct PprofStats {
	size_t samples = 0;
	size_t functions = 0;
	size_t dropped = 0;  // stacks whose weight rounds to 0
};

// The gzip'd bytes.
Result<std::string> to_pprof(const StackTree &tree, PprofStats *stats = nullptr,
			     const PprofOptions &opts = {});

// The same without gzip (the serialized Profile), for tests.
std::string to_pprof_message(const StackTree &tree, PprofStats *stats = nullptr,
			     const PprofOptions &opts = {});

}  // namespace xpu
