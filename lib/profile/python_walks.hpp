// How the BPF Python walker fared over a session (bpf/python.h's py_stats),
// for the stack-quality table: a Python line beside the native reasons.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace xpu {

struct PyWalkStats {
	uint64_t stacks = 0;      // stack walks that met an eval-loop frame
	uint64_t eval_calls = 0;  // eval-loop frames whose Python frames were looked for
	uint64_t completed = 0;   // ... walked to the call's entry (or outermost) frame
	uint64_t frames = 0;      // Python frames emitted
	// Walks given up (native frames only from there), by reason; reasons
	// with a count only.
	std::vector<std::pair<std::string, uint64_t>> failed;
};

}  // namespace xpu
