#include "pipe_writer.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

namespace xpu::injector {

namespace {

constexpr int kPollMs = 50;  // a full pipe is re-checked this often

void sleep_ms(int ms)
{
	std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace

PipeWriter::PipeWriter(WriterOptions opts) : opts_(std::move(opts)), queue_(opts_.queue_bytes) {}

PipeWriter::~PipeWriter()
{
	std::lock_guard lock(join_mu_);
	if (thread_.joinable())
		thread_.join();
	if (fd_ >= 0)
		close(fd_);
}

void PipeWriter::start()
{
	if (started_.exchange(true))
		return;
	// The thread inherits the creator's signal mask: block everything
	// around its creation so that no app signal is delivered to it, and
	// SIGPIPE turns into EPIPE there.
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	try {
		thread_ = std::thread([this] { run(); });
	} catch (...) {
		detached_ = true;  // no thread: nothing will be written
	}
	pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

bool PipeWriter::push(Frame &&f)
{
	if (detached_.load() || done_.load()) {
		lost_frames_++;
		lost_records_ += f.records;
		return false;
	}
	return queue_.push(std::move(f));
}

bool PipeWriter::past_deadline() const
{
	return finishing() && mono_ns() >= deadline_ns_.load();
}

StreamStats PipeWriter::stats() const
{
	StreamStats s;
	s.cupti_dropped = cupti_dropped_.load();
	s.ring_dropped = queue_.dropped_records();
	s.frames_dropped = queue_.dropped_frames() + lost_frames_.load();
	s.bytes = bytes_.load();
	s.records = records_.load();
	s.records_lost = queue_.dropped_records() + lost_records_.load();
	return s;
}

// The one line an injector ever writes to the app's stderr unasked: without
// the pipe, nothing else can tell the user why this process's GPU work is
// missing (e.g. it changed to a user that cannot reach the run directory).
void PipeWriter::say_cannot_connect(int err) const
{
	fprintf(stderr,
		"xpu-perf injector[%d]: cannot open the profiler's pipe %s: %s (this process runs as uid "
		"%u); its GPU work is not profiled\n",
		getpid(), opts_.path.c_str(), strerror(err), static_cast<unsigned>(getuid()));
}

bool PipeWriter::connect()
{
	uint64_t give_up = mono_ns() + static_cast<uint64_t>(opts_.connect_ms) * 1000000ull;
	for (;;) {
		int fd = open(opts_.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			struct stat st;
			if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
				fd_ = fd;
				return true;
			}
			close(fd);  // only ever a FIFO: never write into a file by mistake
			return false;
		}
		// ENXIO: the FIFO exists, no reader yet; ENOENT: not created yet.
		if (errno != ENXIO && errno != ENOENT && errno != EINTR) {
			say_cannot_connect(errno);
			return false;
		}
		if (mono_ns() >= give_up || past_deadline())
			return false;
		sleep_ms(opts_.retry_ms);
	}
}

PipeWriter::Write PipeWriter::write_frame(const std::string &bytes, bool final_frame)
{
	size_t off = 0;
	while (off < bytes.size()) {
		ssize_t n = write(fd_, bytes.data() + off, bytes.size() - off);
		if (n > 0) {
			off += static_cast<size_t>(n);  // a FIFO writes <= PIPE_BUF whole
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return Write::gone;  // EPIPE: the reader closed; anything else: give up too
		// Full pipe. While finishing, the deadline bounds the wait (the final
		// D+E frame gets one last try after it).
		if (past_deadline() && !final_frame)
			return Write::dropped;
		pollfd p{fd_, POLLOUT, 0};
		int r = poll(&p, 1, kPollMs);
		if (r > 0 && (p.revents & (POLLERR | POLLHUP)))
			return Write::gone;
		if (final_frame && past_deadline() && r == 0)
			return Write::dropped;
	}
	bytes_ += bytes.size();
	return Write::ok;
}

void PipeWriter::detach()
{
	if (detached_.exchange(true))
		return;
	if (on_detach_)
		on_detach_();
}

void PipeWriter::run()
{
	if (!connect()) {
		detach();
	} else {
		connected_ = true;
		uint64_t next_stats = mono_ns() + static_cast<uint64_t>(opts_.stats_ms) * 1000000ull;
		Frame f;
		bool gone = false;
		for (;;) {
			bool got = queue_.pop(f, std::chrono::milliseconds(kPollMs * 2));
			if (got && past_deadline()) {
				lost_frames_++;
				lost_records_ += f.records;
				continue;
			}
			if (got) {
				Write w = write_frame(f.bytes, false);
				if (w == Write::ok) {
					records_ += f.records;
				} else {
					lost_frames_++;
					lost_records_ += f.records;
					if (w == Write::gone) {
						gone = true;
						break;
					}
				}
			} else if (finishing()) {
				break;  // drained
			}
			// D about every second, busy or idle (not while finishing: the
			// final D comes with E).
			if (!finishing() && mono_ns() >= next_stats) {
				next_stats = mono_ns() + static_cast<uint64_t>(opts_.stats_ms) * 1000000ull;
				if (write_frame(stats_line(opts_.pid, stats()), false) == Write::gone) {
					gone = true;
					break;
				}
			}
		}
		if (gone) {
			detach();
		} else {
			std::string reason;
			{
				std::lock_guard lock(finish_mu_);
				reason = reason_;
			}
			done_ = true;  // later pushes count as lost, before the final totals
			for (Frame late; queue_.pop(late, std::chrono::milliseconds(0));) {
				lost_frames_++;
				lost_records_ += late.records;
			}
			StreamStats s = stats();
			write_frame(stats_line(opts_.pid, s) + end_line(opts_.pid, reason, s), true);
		}
	}
	done_ = true;
	if (fd_ >= 0) {
		close(fd_);
		fd_ = -1;
	}
	// Frames pushed while we were leaving.
	Frame f;
	while (queue_.pop(f, std::chrono::milliseconds(0))) {
		lost_frames_++;
		lost_records_ += f.records;
	}
}

void PipeWriter::request_finish(std::string_view reason, int deadline_ms)
{
	uint64_t deadline = mono_ns() + static_cast<uint64_t>(deadline_ms) * 1000000ull;
	{
		std::lock_guard lock(finish_mu_);
		if (!finishing_.load()) {
			reason_ = reason;
			deadline_ns_ = deadline;
			finishing_ = true;
		} else if (deadline < deadline_ns_.load()) {
			deadline_ns_ = deadline;
		}
	}
	queue_.wake();
}

void PipeWriter::finish(std::string_view reason, int deadline_ms)
{
	request_finish(reason, deadline_ms);
	std::lock_guard lock(join_mu_);
	if (thread_.joinable())
		thread_.join();
}

void PipeWriter::abandon_in_child()
{
	// No lock: another thread of the parent may have held one at fork().
	// The thread_ object is left alone (the injector never destroys it).
	done_ = true;
	detached_ = true;
	if (fd_ >= 0)
		close(fd_);
	fd_ = -1;
}

}  // namespace xpu::injector
