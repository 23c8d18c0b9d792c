// libFuzzer harness: the requests `live --http` serves. The fuzzer's bytes
// are one raw HTTP/1.1 request (request line, headers, body) read by
// cpp-httplib's own parser from an in-memory stream and dispatched to the
// real routes (lib/live/http_routes.cpp) over a real LiveState holding one
// window: paths, query strings, form bodies, Host/Origin/Authorization
// checks, the controls (interval, view, comm, pid, regex, layers) and the
// profile downloads in every format. The state is made once; a request
// that changes the controls changes them for the next, as a session would.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include <httplib.h>

#include "live/http_routes.hpp"
#include "live/http_state.hpp"
#include "profile/profile.hpp"
#include "live/window_stats.hpp"

namespace {

// The request's bytes in, the response's bytes dropped.
class MemoryStream : public httplib::Stream {
public:
	MemoryStream(const uint8_t *data, size_t size) : data_(data), size_(size) {}
	bool is_readable() const override { return true; }
	bool is_writable() const override { return true; }
	ssize_t read(char *ptr, size_t size) override
	{
		size_t n = std::min(size, size_ - pos_);
		std::memcpy(ptr, data_ + pos_, n);
		pos_ += n;
		return static_cast<ssize_t>(n);
	}
	ssize_t write(const char *, size_t size) override { return static_cast<ssize_t>(size); }
	void get_remote_ip_and_port(std::string &ip, int &port) const override
	{
		ip = "127.0.0.1";
		port = 40000;
	}
	void get_local_ip_and_port(std::string &ip, int &port) const override
	{
		ip = "127.0.0.1";
		port = 8080;
	}
	socket_t socket() const override { return -1; }

private:
	const uint8_t *data_;
	size_t size_, pos_ = 0;
};

// process_request is protected: the harness is the server's subclass.
class FuzzServer : public httplib::Server {
public:
	void serve(httplib::Stream &s)
	{
		bool closed = false;
		process_request(s, true, closed, nullptr);
	}
};

struct Fixture {
	xpu::LiveState state{xpu::LiveControls{}};
	xpu::HttpOptions opts;  // the routes keep a reference, as the server's own
	FuzzServer server;

	Fixture()
	{
		auto p = std::make_shared<xpu::Profile>();
		p->add_folded("app-1;main;compute;sqrt", 40);
		p->add_folded("app-1;main;compute", 10);
		p->add_folded("app-1;main;io;read;[off-cpu:S]", 30);
		p->add_folded("app-1;main;launch;cudaLaunchKernel;[GPU_Kernel]sgemm", 20);
		p->add_folded("tool-2;run;[unknown]", 5);
		xpu::LiveSnapshot s;
		s.index = 1;
		s.start = 100;
		s.end = 101;
		s.window = s.session = p;
		s.split = xpu::layer_totals(*p);
		s.health.freq = 99;
		state.publish(std::move(s));
		// The event stream waits for windows; a finished session ends it at once.
		state.finish("fuzz");
		opts.token = "secret";
		xpu::add_live_routes(server, state, opts);
	}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static Fixture *f = new Fixture;  // lives for the process, as the server does
	MemoryStream s(data, size);
	f->server.serve(s);
	return 0;
}
