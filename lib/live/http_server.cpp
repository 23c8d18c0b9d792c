#include "live/http_server.hpp"

#include <pthread.h>
#include <signal.h>
#include <malloc.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <thread>

#include <fmt/format.h>

#include "live/http_assets.hpp"
#include "live/http_routes.hpp"

namespace xpu {

namespace {

// Whether something already listens on host:port: a connection to it is
// accepted. (A bind without SO_REUSEPORT would also tell, but would take
// the connections a server just stopped left in TIME_WAIT for a listener,
// and refuse a restart on the same port for a minute.)
bool port_listening(const std::string &host, int port)
{
	addrinfo hints{}, *res = nullptr;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0)
		return false;  // let the server's own bind report it
	bool listening = false;
	for (addrinfo *a = res; a && !listening; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
				a->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			listening = true;
		} else if (errno == EINPROGRESS) {
			pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
			int err = 0;
			socklen_t len = sizeof err;
			listening = poll(&p, 1, 200) == 1 &&
				    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return listening;
}

// cpp-httplib 0.11 listens with a backlog of 5 (compiled into Debian's
// library): 20 pages opening at once would see SYNs dropped and wait a
// second to retry. Listening again on the bound socket raises it (Linux
// updates the backlog of a listening socket); the socket is the base
// class's protected member.
class Server : public httplib::Server {
public:
	void raise_backlog(int n) { ::listen(svr_sock_, n); }
};

class LiveHttpServer final : public HttpServer {
public:
	LiveHttpServer(const HttpOptions &o, LiveState &state) : opts_(o)
	{
		// Each stream holds a thread while it is open: the pool has room
		// for all of them and for the other requests beside.
		size_t threads = o.workers + o.max_streams;
		svr_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
		svr_.set_payload_max_length(o.max_body);
		svr_.set_read_timeout(5);
		svr_.set_write_timeout(5);
		// An idle keep-alive connection holds a thread too; and stop()
		// waits for it. Browsers reconnect at no visible cost.
		svr_.set_keep_alive_timeout(2);
		svr_.set_tcp_nodelay(true);
		add_live_routes(svr_, state, opts_);
	}
	~LiveHttpServer() override { stop(); }

	Result<void> start()
	{
		// cpp-httplib 0.11 (Debian's build) binds with SO_REUSEPORT, so a
		// second xpu-perf on a port in use would bind too and take half
		// the clients.
		if (opts_.port != 0 && port_listening(opts_.host, opts_.port))
			return fail(ExitCode::environment, "--http: {}:{} is in use", opts_.host,
				    opts_.port);
		int port = opts_.port;
		if (port == 0)
			port = svr_.bind_to_any_port(opts_.host);
		else if (!svr_.bind_to_port(opts_.host, port))
			port = -1;
		if (port <= 0)
			return fail(ExitCode::environment,
				    "--http: cannot listen on {}:{} (in use, or not an address of this "
				    "machine)",
				    opts_.host, opts_.port);
		svr_.raise_backlog(SOMAXCONN);
		bool v6 = opts_.host.find(':') != std::string::npos;
		url_ = fmt::format("http://{}{}{}:{}/", v6 ? "[" : "", opts_.host, v6 ? "]" : "", port);
		// glibc gives each new thread an arena of its own, up to 8 per
		// core, and each keeps what its thread freed: 20 streams writing
		// 50 KB events held 65 MB more. The server's threads share one.
		mallopt(M_ARENA_MAX, 2);
		// Stop signals are the sampling loop's: the server's threads (and
		// the pool they start) block them, so that Ctrl-C always reaches
		// the thread that ends the session.
		sigset_t stop_sigs, old;
		sigemptyset(&stop_sigs);
		for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE})
			sigaddset(&stop_sigs, s);
		pthread_sigmask(SIG_BLOCK, &stop_sigs, &old);
		thread_ = std::thread([this] { svr_.listen_after_bind(); });
		pthread_sigmask(SIG_SETMASK, &old, nullptr);
		// stop() does nothing to a server not yet listening: wait for it.
		for (int i = 0; i < 2000 && !svr_.is_running(); i++)
			std::this_thread::sleep_for(std::chrono::milliseconds(1));
		return {};
	}

	std::string url() const override { return url_; }

	void stop() override
	{
		if (!thread_.joinable())
			return;
		svr_.stop();
		thread_.join();
	}

private:
	HttpOptions opts_;
	Server svr_;
	std::thread thread_;
	std::string url_;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> start_http_server(const HttpOptions &opts, LiveState &state)
{
	if (auto r = check_http_options(opts); !r)
		return std::unexpected(r.error());
	auto s = std::make_unique<LiveHttpServer>(opts, state);
	if (auto r = s->start(); !r)
		return std::unexpected(r.error());
	return std::unique_ptr<HttpServer>(std::move(s));
}

std::string http_support_text()
{
	if (web_page_full())
		return fmt::format("built in ({})", web_page_note());
	return fmt::format("fallback page only ({})", web_page_note());
}

}  // namespace xpu
