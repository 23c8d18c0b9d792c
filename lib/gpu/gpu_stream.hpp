// Reads the injector's pipe stream (lib/gpu/gpu_protocol.h): bytes in, GPU
// activities and launch-API names out, per process. Robust by contract: a
// malformed line is counted and skipped, an unknown record type or trailing
// field is ignored (a newer minor version), a stream of another major
// version is refused for that process, and a stream cut short (no E record,
// a partial last line) is marked truncated. Several processes may share one
// pipe: every line names its pid.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "profile/event.hpp"  // GpuRecordAttrs

namespace xpu {

// One piece of GPU work: a kernel, a copy or a memset, in CLOCK_MONOTONIC ns.
// What ran and where (kind, device, stream, name, bytes, graph node, ...)
// is the part the timeline keeps as a timed event's attributes
// (profile/event.hpp); the rest is the event's own pid, id and times.
struct GpuActivity : GpuRecordAttrs {
	pid_t pid = 0;
	uint32_t corr = 0;
	uint64_t start = 0, end = 0;
	uint64_t ns() const { return end > start ? end - start : 0; }
};

// One CUDA API call as CUPTI timed it (an A record): the launching call's
// interval on its thread, for the timeline. Runtime and driver records of
// one nested call share the correlation id.
struct GpuApiCall {
	pid_t pid = 0;
	uint32_t tid = 0;  // CUPTI's thread id
	uint32_t corr = 0;
	bool driver = false;
	uint32_t cbid = 0;
	uint64_t start = 0, end = 0;  // CLOCK_MONOTONIC ns
};

// A host wait CUPTI saw (a Y record): which call (corr), what it waited on.
struct GpuSync {
	pid_t pid = 0;
	uint32_t corr = 0;
	uint64_t start = 0, end = 0;  // CLOCK_MONOTONIC ns
	uint32_t type = 0;            // gpu_protocol.h SyncType
	uint32_t stream = 0;          // for a stream synchronize
};

// What one process's stream said about itself.
struct GpuProcessStream {
	bool hello = false;         // an H record arrived
	std::string version;        // "1.0"
	std::string comm;
	pid_t ppid = 0;
	std::string clock;          // "MONO" or "CUPTI"
	bool refused = false;       // another major version: records ignored
	bool ended = false;         // an E record arrived: the stream is complete
	std::string end_reason;     // atexit, detached, error
	uint64_t cupti_dropped = 0, ring_dropped = 0, frames_dropped = 0;  // latest D/E
	uint64_t records = 0;       // activities received
	uint64_t syncs = 0;         // Y records (host waits; not GPU time)
	std::vector<std::string> warnings;  // W texts
	uint64_t dropped() const { return cupti_dropped + ring_dropped + frames_dropped; }
};

class GpuStreamParser {
public:
	struct Sink {
		std::function<void(const GpuActivity &)> activity;
		// N records: (pid, domain, cbid) -> the API's name.
		std::function<void(pid_t, uint32_t, uint32_t, const std::string &)> api_name;
		// A records; may be empty.
		std::function<void(const GpuApiCall &)> api_call;
		// Y records; may be empty.
		std::function<void(const GpuSync &)> sync;
	};

	explicit GpuStreamParser(Sink sink);

	// Any number of bytes; a line split across calls is joined.
	void feed(std::string_view bytes);
	// The writers are gone: a partial last line is counted, not parsed.
	void finish();

	const std::map<pid_t, GpuProcessStream> &processes() const { return procs_; }
	uint64_t malformed() const { return malformed_; }      // lines that did not parse
	uint64_t truncated_lines() const { return truncated_; }  // cut at the end of the stream
	// The first malformed lines, for -v.
	const std::vector<std::string> &malformed_examples() const { return examples_; }

private:
	void line(std::string_view l);
	bool parse(std::string_view type, pid_t pid, const std::vector<std::string_view> &f);
	uint64_t to_mono(pid_t pid, uint64_t t) const;
	void emit(GpuProcessStream &p, pid_t pid, GpuKind kind, GpuActivity &a);

	Sink sink_;
	std::string partial_;
	std::map<pid_t, GpuProcessStream> procs_;
	std::map<pid_t, std::unordered_map<uint64_t, std::string>> names_;  // S records
	std::map<pid_t, int64_t> clock_offset_;  // CUPTI clock -> MONO, from C records
	uint64_t malformed_ = 0, truncated_ = 0;
	std::vector<std::string> examples_;
};

// Undoes the protocol's string escapes (\\ \t \n).
std::string unescape_field(std::string_view s);

}  // namespace xpu
