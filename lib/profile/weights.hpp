// One unit for every layer: a profile's weights are on-CPU samples, so time
// measured in nanoseconds (off-CPU intervals, GPU work) is converted
// at the sampling frequency, 1 sample = 1/F s. Then a flame graph is
// wall-clock honest: a thread blocked for 1 s is as wide as one that ran
// for 1 s.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace xpu {

// Converts each duration to samples at `freq` Hz with largest-remainder
// rounding: the results add up to exactly round(sum(ns) * freq / 1e9), and
// each is within 1 of its exact share (no minimum of 1: an entry may round
// to 0, and callers drop it). Ties go to the earlier entry, so the result
// depends only on the input.
std::vector<uint64_t> ns_to_samples(std::span<const uint64_t> ns, int freq);

}  // namespace xpu
