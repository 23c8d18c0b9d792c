// The bounded queue between the threads that format CUPTI buffers and the
// writer thread. Bounded in bytes (XPU_PERF_QUEUE_MB): when it is full the
// newest frame is refused and counted, so a slow or stalled reader costs
// the app data, never time. push() holds a mutex only to move a string.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "proto_lines.hpp"

namespace xpu::injector {

class FrameQueue {
public:
	explicit FrameQueue(size_t max_bytes) : max_bytes_(max_bytes) {}

	// False when the frame does not fit: it is dropped and counted.
	bool push(Frame &&f);
	// Takes the oldest frame; waits up to `timeout` when there is none (and
	// wake() was not called). One at a time, so the frame being written
	// still counted against the budget until it is taken.
	bool pop(Frame &out, std::chrono::milliseconds timeout);
	// Ends a pop() wait early.
	void wake();

	uint64_t dropped_frames() const { return dropped_frames_.load(std::memory_order_relaxed); }
	uint64_t dropped_records() const { return dropped_records_.load(std::memory_order_relaxed); }

private:
	const size_t max_bytes_;
	std::mutex mu_;
	std::condition_variable cv_;
	std::deque<Frame> frames_;
	size_t bytes_ = 0;
	bool woken_ = false;
	std::atomic<uint64_t> dropped_frames_{0}, dropped_records_{0};
};

}  // namespace xpu::injector
