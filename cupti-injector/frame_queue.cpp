#include "frame_queue.hpp"

namespace xpu::injector {

bool FrameQueue::push(Frame &&f)
{
	{
		std::lock_guard lock(mu_);
		if (bytes_ + f.bytes.size() <= max_bytes_) {
			bytes_ += f.bytes.size();
			frames_.push_back(std::move(f));
			cv_.notify_one();
			return true;
		}
	}
	dropped_frames_.fetch_add(1, std::memory_order_relaxed);
	dropped_records_.fetch_add(f.records, std::memory_order_relaxed);
	return false;
}

bool FrameQueue::pop(Frame &out, std::chrono::milliseconds timeout)
{
	std::unique_lock lock(mu_);
	if (frames_.empty() && !woken_)
		cv_.wait_for(lock, timeout, [&] { return !frames_.empty() || woken_; });
	woken_ = false;
	if (frames_.empty())
		return false;
	out = std::move(frames_.front());
	frames_.pop_front();
	bytes_ -= out.bytes.size();
	return true;
}

void FrameQueue::wake()
{
	std::lock_guard lock(mu_);
	woken_ = true;
	cv_.notify_one();
}

}  // namespace xpu::injector
