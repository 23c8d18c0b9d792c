// The one thread that writes into the profiler's FIFO (XPU_PERF_PIPE).
//
// Everything that could block or hurt the app is confined here: the
// non-blocking open, retried on ENXIO (no reader yet) for connect_ms; the
// writes, one frame each, with poll(POLLOUT) while the pipe is full; and
// EPIPE when the reader is gone, seen as an error because SIGPIPE is blocked
// in this thread (in this thread only: the app's signal dispositions are
// never touched). Other threads only push() frames into a bounded queue.
// When the writer stops delivering (no reader in time, reader gone) it is
// "detached": it tells the injector once, and every later frame is counted
// as dropped.
//
// No CUPTI here, so the pipe tests link this object directly.
#pragma once

#include <stdint.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "frame_queue.hpp"
#include "proto_lines.hpp"

namespace xpu::injector {

struct WriterOptions {
	std::string path;              // the FIFO
	uint32_t pid = 0;              // field 2 of D and E
	int connect_ms = 2000;         // give up when no reader opened by then
	int retry_ms = 100;            // ENXIO retry period
	int stats_ms = 1000;           // a D record this often
	size_t queue_bytes = 16u << 20;
};

class PipeWriter {
public:
	explicit PipeWriter(WriterOptions opts);
	// Joins the thread (after finish(), or detached); never call it while
	// the thread may still be connecting unless finish() was called.
	~PipeWriter();
	PipeWriter(const PipeWriter &) = delete;
	PipeWriter &operator=(const PipeWriter &) = delete;

	// Starts the writer thread with every signal blocked.
	void start();
	// Any thread, never waits: false when the frame was dropped (queue full,
	// writer detached or finished); drops are counted for D and E.
	bool push(Frame &&f);
	// Called once on the writer thread when it detaches (before it exits).
	void on_detach(std::function<void()> fn) { on_detach_ = std::move(fn); }
	// Writes what is queued until `deadline_ms` from now, then D and
	// E(reason) as one frame, closes the FIFO and joins the thread. Bounded
	// by the deadline (connecting included). A second call keeps the first
	// reason and the earlier deadline.
	void finish(std::string_view reason, int deadline_ms);
	// The same without waiting for the thread (InitializeInjection must not).
	void request_finish(std::string_view reason, int deadline_ms);
	// In a child forked without exec, where the thread does not exist: drops
	// the inherited FIFO descriptor and everything later pushed.
	void abandon_in_child();

	bool detached() const { return detached_.load(); }
	bool connected() const { return connected_.load(); }
	// Records CUPTI dropped (or we discarded unread): reported in D and E.
	void add_cupti_dropped(uint64_t n) { cupti_dropped_ += n; }
	StreamStats stats() const;

private:
	enum class Write { ok, dropped, gone };
	void run();
	bool connect();
	void say_cannot_connect(int err) const;
	Write write_frame(const std::string &bytes, bool final_frame);
	void detach();
	bool finishing() const { return finishing_.load(); }
	bool past_deadline() const;

	WriterOptions opts_;
	FrameQueue queue_;
	std::thread thread_;
	std::function<void()> on_detach_;
	int fd_ = -1;
	std::atomic<bool> started_{false}, connected_{false}, detached_{false}, finishing_{false},
		done_{false};
	std::atomic<uint64_t> deadline_ns_{0};
	std::mutex finish_mu_, join_mu_;
	std::string reason_;
	std::atomic<uint64_t> cupti_dropped_{0}, bytes_{0}, records_{0}, lost_frames_{0},
		lost_records_{0};
};

}  // namespace xpu::injector
