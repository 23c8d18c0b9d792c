// A completed CUPTI activity buffer -> protocol frames: the body of the
// injector's buffer-completed callback, apart so that the tests run it on
// hand-built buffers with the real libcupti's record iterator.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cupti_api.hpp"
#include "serializer.hpp"

namespace xpu::injector {

struct DrainCounts {
	uint64_t records = 0;  // records CUPTI's iterator returned
	uint64_t sent = 0;     // of those, the ones that became lines
	bool error = false;    // the iterator stopped on an error, not at the end
};

// Walks `valid` bytes of `buf` with cuptiActivityGetNextRecord and appends
// a line per record the serializer knows.
DrainCounts drain_buffer(const CuptiApi &api, uint8_t *buf, size_t valid, Serializer &ser,
			 FrameBuilder &out);

}  // namespace xpu::injector
