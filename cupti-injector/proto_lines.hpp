// Protocol v1 lines and frames (lib/gpu/gpu_protocol.h), the part that needs no
// CUPTI: field formatting, escaping, packing lines into frames of at most
// kMaxFrame bytes, and the records the injector writes about itself (H, D,
// W, E). serializer.hpp turns CUPTI's activity records into lines with these.
#pragma once

#include <stdint.h>

#include <string>
#include <string_view>
#include <vector>

#include "gpu/gpu_protocol.h"

namespace xpu::injector {

namespace proto = xpu::gpu_proto;

// Appends `s` with '\\', tab and newline escaped as the protocol says.
void append_escaped(std::string &out, std::string_view s);

// Appends one line to `buf` field by field: "TYPE\tPID" first, then each
// field after a tab, then end() adds the newline.
class LineBuilder {
public:
	LineBuilder(std::string &buf, char type, uint32_t pid);
	LineBuilder &num(uint64_t v);
	LineBuilder &word(std::string_view s);  // a field known to need no escaping
	LineBuilder &text(std::string_view s);  // escaped
	void end() { buf_ += '\n'; }

private:
	std::string &buf_;
};

// One write(): whole lines, at most kMaxFrame bytes. `records` counts the
// activity records in it (not H/S/D/W/E), for the drop accounting.
struct Frame {
	std::string bytes;
	uint32_t records = 0;
};

// Packs lines into frames in order; a line that does not fit the current
// frame starts the next one, so no line is ever split.
class FrameBuilder {
public:
	// `line` must end in '\n'. A line longer than kMaxFrame cannot be sent
	// atomically: it is dropped and counted (the serializer never makes one).
	void add(std::string_view line, bool is_record);
	// The finished frames, the current one included; the builder is empty after.
	std::vector<Frame> take();
	uint64_t oversize_lines() const { return oversize_; }

private:
	std::vector<Frame> frames_;
	Frame cur_;
	uint64_t oversize_ = 0;
};

// The counters the D and E records carry (see lib/gpu/gpu_protocol.h).
struct StreamStats {
	uint64_t cupti_dropped = 0;   // records CUPTI dropped or we discarded unread
	uint64_t ring_dropped = 0;    // records in frames the full queue refused
	uint64_t frames_dropped = 0;  // frames lost: queue full, no reader, reader gone, deadline
	uint64_t bytes = 0;           // bytes written into the pipe
	uint64_t records = 0;         // activity records written into the pipe
	uint64_t records_lost = 0;    // activity records in all frames lost
};

// The injector's own records, each one whole line ending in '\n'.
std::string hello_line(uint32_t pid, uint32_t ppid, std::string_view clock, uint32_t cupti_version,
		       uint64_t mono_ns, std::string_view comm);
std::string stats_line(uint32_t pid, const StreamStats &s);
// `code`: the CUptiResult that caused it, or 0 when the cause is not a CUPTI
// call (the library could not be loaded, for instance). Text is cut to fit.
std::string warning_line(uint32_t pid, uint32_t code, std::string_view text);
// C: a calibration point, only in streams with clock=CUPTI.
std::string clock_line(uint32_t pid, uint64_t mono_ns, uint64_t cupti_ns, uint64_t uncertainty_ns);
std::string end_line(uint32_t pid, std::string_view reason, const StreamStats &s);
// N: the name of a callback id the hook may carry ("cudaLaunchKernel_v7000").
std::string api_name_line(uint32_t pid, uint32_t domain, uint32_t cbid, std::string_view name);

// CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns and of our records.
uint64_t mono_ns();

}  // namespace xpu::injector
