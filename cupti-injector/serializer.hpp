// CUPTI activity records -> protocol v1 lines (lib/gpu/gpu_protocol.h), packed
// into frames. Pure formatting over CUPTI's own structs, so the tests feed
// it real records built from the CUDA headers; the only state is the table
// of kernel names already sent (S records).
//
// Records are read as the CUDA 13.0 structs (CUpti_ActivityKernel10,
// Memcpy6, MemcpyPtoP4, Memset4, Synchronization2, API, GraphTrace2). An
// older libcupti hands out older versions of them that share every field we
// read up to graphId (the "prefix" rule of CUPTI's deprecated structs); the
// fields added since (isDeviceLaunched) are read only from a CUPTI that is
// 13.0 or newer.
#pragma once

#include <stdint.h>

#include <string>
#include <string_view>
#include <unordered_map>

#include <cupti_activity.h>

#include "proto_lines.hpp"

namespace xpu::injector {

// The first CUPTI API version whose kernel record is Kernel10.
inline constexpr uint32_t kCupti13 = 130000;

class Serializer {
public:
	// `cupti_version`: cuptiGetVersion() of the libcupti that made the records.
	Serializer(uint32_t pid, uint32_t cupti_version) : pid_(pid), cupti_version_(cupti_version) {}

	// Appends the line(s) for one record; false for a kind we do not send.
	bool add(const CUpti_Activity &rec, FrameBuilder &out);

	void kernel(const CUpti_ActivityKernel10 &k, FrameBuilder &out);
	void memcpy(const CUpti_ActivityMemcpy6 &m, FrameBuilder &out);
	void memcpy_p2p(const CUpti_ActivityMemcpyPtoP4 &m, FrameBuilder &out);
	void memset(const CUpti_ActivityMemset4 &m, FrameBuilder &out);
	void sync(const CUpti_ActivitySynchronization2 &s, FrameBuilder &out);
	void api(const CUpti_ActivityAPI &a, FrameBuilder &out);
	void graph(const CUpti_ActivityGraphTrace2 &g, FrameBuilder &out);

	// Frames were dropped, and an S record among them: every name is sent
	// again before its next use (a reader takes a repeated S as the same).
	void resend_names();
	uint64_t unknown_records() const { return unknown_; }

private:
	// The S id of `name` (0 for none), sending its S record first if needed.
	uint32_t name_id(const char *name, FrameBuilder &out);
	bool new_fields() const { return cupti_version_ >= kCupti13; }
	// The M line of either copy record (they share their field names but
	// not their type): the devices it moved from and to, and its flags.
	template <class Copy>
	void memcpy_line(const Copy &m, uint32_t src_device, uint32_t dst_device, uint32_t flags,
			 FrameBuilder &out);

	struct Name {
		uint32_t id;
		bool sent;
	};
	uint32_t pid_;
	uint32_t cupti_version_;
	std::unordered_map<std::string, Name> names_;
	std::string line_;
	uint64_t unknown_ = 0;
};

// K/M/Z flags from a record's timestamps (start = end = 0: no timing;
// started but not ended: still running at a forced flush).
uint32_t timing_flags(uint64_t start, uint64_t end);

// The S line for `name`, its text cut so that the line fits one frame.
std::string string_line(uint32_t pid, uint32_t id, std::string_view name);

}  // namespace xpu::injector
