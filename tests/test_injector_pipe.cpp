// The injector's pipe writer (cupti-injector/pipe_writer) against a real
// FIFO, in the failure modes of GPU.md §7.5: no reader, a slow reader, a
// reader that dies, an app that exits first, two processes on one FIFO.
// The writer needs no CUPTI, so these run on every machine. Writers run in
// forked children where a process must survive or exit on its own.
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "cupti-injector/pipe_writer.hpp"
#include "helpers.hpp"

using namespace xpu::injector;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0)
{
	return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Fifo {
	std::string path = xpu::test::temp_path("gpu.fifo");
	Fifo() { REQUIRE(mkfifo(path.c_str(), 0600) == 0); }
	~Fifo() { unlink(path.c_str()); }
	int open_reader() const
	{
		int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		REQUIRE(fd >= 0);
		return fd;
	}
};

// Reads until every writer has closed (EOF after at least one writer came)
// or `timeout_ms` passes.
std::string read_until_eof(int fd, int timeout_ms)
{
	std::string out;
	auto t0 = Clock::now();
	char buf[65536];
	bool seen_data = false;
	while (ms_since(t0) < timeout_ms) {
		pollfd p{fd, POLLIN, 0};
		poll(&p, 1, 20);
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			out.append(buf, static_cast<size_t>(n));
			seen_data = true;
		} else if (n == 0 && seen_data) {
			break;  // all writers closed
		}
	}
	return out;
}

// One frame of `lines` K-like lines: "K\tPID\tSEQ\tPAYLOAD" with a payload
// whose length is 1 + SEQ % 200, so a torn or spliced line cannot pass.
Frame make_frame(uint32_t pid, uint64_t &seq, int lines)
{
	Frame f;
	for (int i = 0; i < lines; i++, seq++) {
		std::string line;
		LineBuilder(line, 'K', pid).num(seq).word(std::string(1 + seq % 200, 'x')).end();
		if (f.bytes.size() + line.size() > 4096)
			break;
		f.bytes += line;
		f.records++;
	}
	return f;
}

struct Parsed {
	std::map<uint32_t, std::vector<uint64_t>> seqs;  // pid -> K seqs in order
	std::map<uint32_t, std::string> end;             // pid -> its E line
	std::map<uint32_t, std::string> stats;           // pid -> last D line
	int bad = 0;
};

Parsed parse(const std::string &text)
{
	Parsed p;
	std::istringstream in(text);
	for (std::string line; std::getline(in, line);) {
		std::vector<std::string> f;
		std::istringstream fs(line);
		for (std::string x; std::getline(fs, x, '\t');)
			f.push_back(x);
		if (f.size() < 2) {
			p.bad++;
			continue;
		}
		uint32_t pid = static_cast<uint32_t>(std::stoul(f[1]));
		if (f[0] == "K" && f.size() == 4) {
			uint64_t seq = std::stoull(f[2]);
			if (f[3].size() != 1 + seq % 200)
				p.bad++;
			p.seqs[pid].push_back(seq);
		} else if (f[0] == "E") {
			p.end[pid] = line;
		} else if (f[0] == "D") {
			p.stats[pid] = line;
		} else {
			p.bad++;
		}
	}
	return p;
}

std::vector<std::string> fields(const std::string &line)
{
	std::vector<std::string> f;
	std::istringstream fs(line);
	for (std::string x; std::getline(fs, x, '\t');)
		f.push_back(x);
	return f;
}

int wait_exit(pid_t pid)
{
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("pipe writer: no reader gives up after the connect deadline, never blocks", "[injector]")
{
	Fifo fifo;
	WriterOptions o;
	o.path = fifo.path;
	o.pid = 1;
	o.connect_ms = 300;
	PipeWriter w(o);
	auto t0 = Clock::now();
	w.start();
	uint64_t seq = 0;
	for (int i = 0; i < 50; i++)
		w.push(make_frame(1, seq, 10));
	// Pushing is queuing: a blocked push would never return (no speed bound
	// here: a loaded machine may stall any thread for seconds).
	while (!w.detached() && ms_since(t0) < 60000)  // a hang guard
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	double waited = ms_since(t0);
	CHECK(w.detached());
	CHECK(!w.connected());
	CHECK(waited >= 250);  // not before the deadline
	CHECK(!w.push(make_frame(1, seq, 1)));
	w.finish("atexit", 1000);  // returns: nothing to drain, nobody to wait for
	auto s = w.stats();
	CHECK(s.frames_dropped == 51);
	CHECK(s.records_lost == 501);
	CHECK(s.bytes == 0);
}

TEST_CASE("pipe writer: a missing FIFO or a regular file is never written", "[injector]")
{
	std::string file = xpu::test::temp_path("not-a-fifo");
	FILE *f = fopen(file.c_str(), "w");
	REQUIRE(f);
	fclose(f);
	for (const std::string &path : {file, xpu::test::temp_path("missing")}) {
		WriterOptions o;
		o.path = path;
		o.connect_ms = 200;
		PipeWriter w(o);
		w.start();
		uint64_t seq = 0;
		w.push(make_frame(1, seq, 3));
		w.finish("atexit", 500);
		CHECK(w.detached());
		CHECK(w.stats().bytes == 0);
	}
	CHECK(xpu::test::read_file(file).empty());
	unlink(file.c_str());
}

TEST_CASE("pipe writer: a slow reader costs dropped frames, counted in D and E", "[injector]")
{
	Fifo fifo;
	int rfd = fifo.open_reader();
	WriterOptions o;
	o.path = fifo.path;
	o.pid = 77;
	o.queue_bytes = 64 << 10;
	PipeWriter w(o);
	w.start();
	while (!w.connected())
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	// 2 MB into a 64 KiB pipe and a 64 KiB queue, nobody reading.
	uint64_t seq = 0;
	uint64_t pushed_records = 0, refused = 0;
	for (int i = 0; i < 600; i++) {
		Frame f = make_frame(77, seq, 40);
		pushed_records += f.records;
		refused += w.push(std::move(f)) ? 0 : 1;
	}
	// It never waited for the reader (which reads nothing until below).
	CHECK(refused > 400);
	std::string got;
	std::thread reader([&] { got = read_until_eof(rfd, 5000); });
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	w.finish("atexit", 2000);
	reader.join();
	close(rfd);
	Parsed p = parse(got);
	CHECK(p.bad == 0);
	REQUIRE(p.end.count(77));
	auto e = fields(p.end[77]);
	REQUIRE(e.size() == 5);
	uint64_t delivered = p.seqs[77].size();
	CHECK(e[2] == "atexit");
	CHECK(std::stoull(e[3]) == delivered);
	CHECK(std::stoull(e[4]) == pushed_records - delivered);  // every lost record counted
	auto d = fields(p.stats[77]);
	REQUIRE(d.size() == 7);
	CHECK(std::stoull(d[3]) == pushed_records - delivered);  // ring_dropped
	CHECK(std::stoull(d[4]) == refused);                     // frames_dropped
	// What arrived is in order, whole.
	CHECK(std::is_sorted(p.seqs[77].begin(), p.seqs[77].end()));
}

TEST_CASE("pipe writer: a D record about every stats period, also while busy", "[injector]")
{
	Fifo fifo;
	int rfd = fifo.open_reader();
	WriterOptions o;
	o.path = fifo.path;
	o.pid = 5;
	o.stats_ms = 100;
	PipeWriter w(o);
	w.start();
	std::string got;
	std::thread reader([&] { got = read_until_eof(rfd, 5000); });
	uint64_t seq = 0;
	auto t0 = Clock::now();
	while (ms_since(t0) < 550) {
		w.push(make_frame(5, seq, 5));
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
	w.finish("atexit", 1000);
	reader.join();
	close(rfd);
	size_t d_lines = 0;
	std::istringstream in(got);
	for (std::string l; std::getline(in, l);)
		d_lines += l.starts_with("D\t5\t");
	CHECK(d_lines >= 3);  // ~5 periodic + the final one (fewer on a loaded machine)
	CHECK(d_lines <= 8);
	Parsed p = parse(got);
	CHECK(p.bad == 0);
	CHECK(p.seqs[5].size() == seq);
}

TEST_CASE("pipe writer: the reader dies, the app survives (EPIPE, not SIGPIPE)", "[injector]")
{
	Fifo fifo;
	int rfd = fifo.open_reader();
	fflush(nullptr);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(rfd);  // the fork's copy would keep the reader alive
		// SIGPIPE at its default disposition, as in most apps.
		signal(SIGPIPE, SIG_DFL);
		WriterOptions o;
		o.path = fifo.path;
		o.pid = static_cast<uint32_t>(getpid());
		auto *w = new PipeWriter(o);
		w->start();
		uint64_t seq = 0;
		auto t0 = Clock::now();
		while (!w->detached() && ms_since(t0) < 5000) {
			w->push(make_frame(o.pid, seq, 20));
			std::this_thread::sleep_for(std::chrono::microseconds(200));
		}
		bool detached = w->detached();
		w->finish("atexit", 200);
		_exit(detached ? 0 : 1);
	}
	// Read a little, then go away like a killed profiler.
	std::string got;
	auto t0 = Clock::now();
	while (got.size() < 8192 && ms_since(t0) < 60000) {  // a hang guard
		char buf[4096];
		ssize_t n = read(rfd, buf, sizeof(buf));
		if (n > 0)
			got.append(buf, static_cast<size_t>(n));
		else
			std::this_thread::sleep_for(std::chrono::milliseconds(2));
	}
	close(rfd);
	CHECK(got.size() >= 8192);
	CHECK(wait_exit(pid) == 0);  // alive until its own exit, writer detached
}

TEST_CASE("pipe writer: the app exits first, its data and E stay readable", "[injector]")
{
	Fifo fifo;
	int rfd = fifo.open_reader();
	fflush(nullptr);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		WriterOptions o;
		o.path = fifo.path;
		o.pid = static_cast<uint32_t>(getpid());
		auto *w = new PipeWriter(o);
		w->start();
		uint64_t seq = 0;
		for (int i = 0; i < 10; i++)
			w->push(make_frame(o.pid, seq, 20));
		w->finish("atexit", 1000);
		_exit(0);
	}
	REQUIRE(wait_exit(pid) == 0);
	// The writer is gone; the pipe still holds everything.
	std::string got = read_until_eof(rfd, 2000);
	close(rfd);
	Parsed p = parse(got);
	CHECK(p.bad == 0);
	auto me = static_cast<uint32_t>(pid);
	CHECK(p.seqs[me].size() == 200);
	REQUIRE(p.end.count(me));
	CHECK(p.end[me] == "E\t" + std::to_string(pid) + "\tatexit\t200\t0");
}

TEST_CASE("pipe writer: two processes on one FIFO never tear a line", "[injector]")
{
	Fifo fifo;
	int rfd = fifo.open_reader();
	std::string got;
	std::thread reader([&] { got = read_until_eof(rfd, 20000); });
	fflush(nullptr);
	std::vector<pid_t> kids;
	for (int k = 0; k < 2; k++) {
		pid_t pid = fork();
		REQUIRE(pid >= 0);
		if (pid == 0) {
			WriterOptions o;
			o.path = fifo.path;
			o.pid = static_cast<uint32_t>(getpid());
			auto *w = new PipeWriter(o);
			w->start();
			uint64_t seq = 0;
			for (int i = 0; i < 1500; i++)
				w->push(make_frame(o.pid, seq, 40));
			w->finish("atexit", 5000);
			_exit(w->stats().records_lost == 0 ? 0 : 1);
		}
		kids.push_back(pid);
	}
	for (pid_t pid : kids)
		CHECK(wait_exit(pid) == 0);
	reader.join();
	close(rfd);
	Parsed p = parse(got);
	CHECK(p.bad == 0);
	for (pid_t pid : kids) {
		auto &s = p.seqs[static_cast<uint32_t>(pid)];
		REQUIRE(!s.empty());
		CHECK(s.front() == 0);
		bool consecutive = true;
		for (size_t i = 1; i < s.size(); i++)
			consecutive &= s[i] == s[i - 1] + 1;
		CHECK(consecutive);
		CHECK(p.end.count(static_cast<uint32_t>(pid)));
	}
}

TEST_CASE("pipe writer: a process that cannot reach the pipe says why on its stderr, once", "[injector][faults]")
{
	if (geteuid() != 0)
		XPU_SKIP("needs root to run the writer as another user");
	// The FIFO in a directory only root may search, as when TMPDIR is
	// private and the target changed user after start.
	std::string dir = xpu::test::temp_path("private-dir");
	REQUIRE(mkdir(dir.c_str(), 0700) == 0);
	std::string fifo = dir + "/gpu.pipe", err = xpu::test::temp_path("writer.err");
	REQUIRE(mkfifo(fifo.c_str(), 0622) == 0);
	pid_t child = fork();
	REQUIRE(child >= 0);
	if (child == 0) {
		int fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0 || setgid(65534) != 0 || setuid(65534) != 0)
			_exit(99);
		WriterOptions o;
		o.path = fifo;
		o.connect_ms = 60000;  // a permission error gives up at once, not at the deadline
		PipeWriter w(o);
		w.start();
		while (!w.detached())
			std::this_thread::sleep_for(std::chrono::milliseconds(5));
		w.finish("atexit", 100);
		_exit(0);
	}
	CHECK(wait_exit(child) == 0);
	std::string text = xpu::test::read_file(err);
	CHECK(text == "xpu-perf injector[" + std::to_string(child) + "]: cannot open the profiler's pipe " + fifo +
			      ": Permission denied (this process runs as uid 65534); its GPU work is not profiled\n");
	unlink(fifo.c_str());
	rmdir(dir.c_str());
	unlink(err.c_str());
}
