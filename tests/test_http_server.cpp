// live --http with a real client (cpp-httplib's) against the real server on
// a free port, fed by a LiveState as the sampling loop feeds it: status
// codes, content types, the formats, the controls and who may use them,
// limits, the event stream, clients that go away mid-stream.
#include <ifaddrs.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>
#include <httplib.h>

#include "helpers.hpp"
#include "live/http_assets.hpp"
#include "live/http_server.hpp"

using namespace xpu;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const Profile> fixture_profile()
{
	auto p = std::make_shared<Profile>();
	auto text = test::read_file(test::build_dir() + "/../tests/fixtures/http/window.folded");
	for (const auto &[stack, w] : test::parse_folded(text))
		p->add_folded(stack, w);
	return p;
}

LiveSnapshot snapshot(uint64_t index)
{
	LiveSnapshot s;
	s.index = index;
	s.start = 100 + index;
	s.end = 101 + index;
	s.window = s.session = fixture_profile();
	s.split = layer_totals(*s.window);
	s.health.freq = 99;
	return s;
}

struct Served {
	LiveState state{LiveControls{}};
	std::unique_ptr<HttpServer> server;
	std::string host;
	int port = 0;

	explicit Served(HttpOptions o = {})
	{
		auto s = start_http_server(o, state);
		REQUIRE(s);
		server = std::move(*s);
		std::string url = server->url();  // http://HOST:PORT/
		size_t colon = url.rfind(':');
		host = o.host;
		port = std::stoi(url.substr(colon + 1));
	}
	~Served()
	{
		state.finish("test over");
		server->stop();
	}
	httplib::Client client() const
	{
		httplib::Client c(host, port);
		c.set_read_timeout(5, 0);
		return c;
	}
};

// An address of this machine that is not the loopback, to be a "remote"
// client from; empty when there is none.
std::string non_loopback_ipv4()
{
	ifaddrs *list = nullptr;
	if (getifaddrs(&list) != 0)
		return "";
	std::string found;
	for (ifaddrs *a = list; a && found.empty(); a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET)
			continue;
		char buf[INET_ADDRSTRLEN];
		auto *in = reinterpret_cast<sockaddr_in *>(a->ifa_addr);
		inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
		if (!is_loopback_peer(buf))
			found = buf;
	}
	freeifaddrs(list);
	return found;
}

}  // namespace

TEST_CASE("http server: the page and its assets", "[http]")
{
	Served s;
	auto c = s.client();
	auto r = c.Get("/");
	REQUIRE(r);
	CHECK(r->status == 200);
	CHECK(r->get_header_value("Content-Type") == "text/html; charset=utf-8");
	CHECK(r->get_header_value("Content-Security-Policy").starts_with("default-src 'self'"));
	CHECK(r->body.find("xpu-perf live") != std::string::npos);
	for (const WebAsset &a : web_assets()) {
		INFO(a.path);
		auto g = c.Get(std::string(a.path).c_str());
		REQUIRE(g);
		CHECK(g->status == 200);
		CHECK(g->body == a.body);
		CHECK(g->get_header_value("Content-Type") == a.content_type);
	}
	if (web_page_full()) {
		auto v = c.Get("/vendor.js");
		REQUIRE(v);
		CHECK(v->body.find("d3js.org") != std::string::npos);
		CHECK(v->body.find("flamegraph") != std::string::npos);
		// three.js, as the ES modules the 3D view imports: the one imports the other
		auto t = c.Get("/three.module.js");
		REQUIRE(t);
		CHECK(t->status == 200);
		CHECK(t->body.find("from './three.core.js'") != std::string::npos);
		auto core = c.Get("/three.core.js");
		REQUIRE(core);
		CHECK(core->body.find("const REVISION = '") != std::string::npos);
	} else {
		WARN("the d3 page is not built in: " << web_page_note());
	}
	auto nf = c.Get("/etc/passwd");
	REQUIRE(nf);
	CHECK(nf->status == 404);
	CHECK(nf->body == "404 not found\n");
	auto dots = c.Get("/../../etc/passwd");
	REQUIRE(dots);
	CHECK(dots->status == 404);
}

TEST_CASE("http server: API before and after the first window", "[http]")
{
	Served s;
	auto c = s.client();
	auto w = c.Get("/api/window");
	REQUIRE(w);
	CHECK(w->status == 503);
	CHECK(w->body == "no window yet\n");
	auto p = c.Get("/api/profile?format=folded");
	REQUIRE(p);
	CHECK(p->status == 503);

	s.state.publish(snapshot(1));
	w = c.Get("/api/window");
	REQUIRE(w);
	CHECK(w->status == 200);
	CHECK(w->get_header_value("Content-Type") == "application/json");
	CHECK(w->body.starts_with(R"({"window":1,)"));
	CHECK(w->body.find(R"("gpu":4,"net":0})") != std::string::npos);

	auto st = c.Get("/api/state");
	REQUIRE(st);
	CHECK(st->status == 200);
	CHECK(st->body.find(R"("loopback":true)") != std::string::npos);
	CHECK(st->body.find(R"("history":[{"window":1,)") != std::string::npos);

	struct Want {
		const char *query, *type, *start;
	};
	for (auto [query, type, start] :
	     {Want{"format=folded", "text/plain; charset=utf-8", "app-100;main;compute;matmul"},
	      Want{"format=svg&view=session", "image/svg+xml", "<?xml"},
	      Want{"format=pprof", "application/octet-stream", "\x1f\x8b"}}) {
		INFO(query);
		auto d = c.Get((std::string("/api/profile?") + query).c_str());
		REQUIRE(d);
		CHECK(d->status == 200);
		CHECK(d->get_header_value("Content-Type") == type);
		CHECK(d->body.starts_with(start));
	}
	for (auto [query, msg] : {std::pair{"format=png", "format: 'png' is not folded, svg or pprof\n"},
				  std::pair{"view=all", "view: 'all' is not current or session\n"},
				  std::pair{"path=/etc/passwd", "unknown parameter 'path' (format, view)\n"}}) {
		INFO(query);
		auto d = c.Get((std::string("/api/profile?") + query).c_str());
		REQUIRE(d);
		CHECK(d->status == 400);
		CHECK(d->get_header_value("Content-Type") == "text/plain; charset=utf-8");
		CHECK(d->body == msg);
	}
}

TEST_CASE("http server: controls are POST, checked, and change the view", "[http]")
{
	Served s;
	s.state.publish(snapshot(1));
	auto c = s.client();
	auto g = c.Get("/api/pause");
	REQUIRE(g);
	CHECK(g->status == 405);
	CHECK(g->get_header_value("Allow") == "POST");

	auto r = c.Post("/api/control", "layers=gpu&view=session", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 200);
	CHECK(r->body.find(R"("view":"session")") != std::string::npos);
	auto f = c.Get("/api/profile?format=folded");
	REQUIRE(f);
	CHECK(f->body == "app-100;main;compute;matmul;cudaLaunchKernel;[GPU_Kernel]gemm 3\n"
			 "app-100;main;copy;cudaMemcpy;[GPU_Memcpy]HtoD 1\n");
	// Query parameters work as well as a form body.
	r = c.Post("/api/control?regex=spin&layers=", "", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 200);
	f = c.Get("/api/profile?format=folded");
	REQUIRE(f);
	CHECK(f->body == "app-100;main;compute;spin 6\ntool-200;main;spin 4\n");

	r = c.Post("/api/control", "regex=(", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 400);
	CHECK(r->body.starts_with("regex: '(' is not a valid regular expression"));
	r = c.Post("/api/control", "interval=0", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 400);
	r = c.Post("/api/pause", "now=1", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 400);

	r = c.Post("/api/pause", "", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 200);
	CHECK(r->body.find(R"("paused":true)") != std::string::npos);
	s.state.publish(snapshot(2));
	CHECK(c.Get("/api/window")->body.starts_with(R"({"window":1,)"));
	r = c.Post("/api/resume", "", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(c.Get("/api/window")->body.starts_with(R"({"window":2,)"));

	// A page of another origin may not drive the session.
	httplib::Headers evil = {{"Origin", "http://evil.example"}};
	r = c.Post("/api/pause", evil, "", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 403);
	CHECK(r->body == "cross-origin control request refused\n");
	CHECK(s.state.controls().paused == false);

	// Served on the loopback, only loopback names (DNS rebinding).
	httplib::Headers rebound = {{"Host", "evil.example:80"}};
	auto h = c.Get("/api/window", rebound);
	REQUIRE(h);
	CHECK(h->status == 403);
	for (const char *name : {"localhost:1", "[::1]:1", "127.0.0.1"}) {
		INFO(name);
		h = c.Get("/api/window", httplib::Headers{{"Host", name}});
		REQUIRE(h);
		CHECK(h->status == 200);
	}

	// Bodies are small.
	r = c.Post("/api/control", std::string(10000, 'x'), "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 413);
}

TEST_CASE("http server: non-loopback clients are read-only without the token", "[http]")
{
	std::string ip = non_loopback_ipv4();
	if (ip.empty()) {
		XPU_SKIP("no non-loopback IPv4 address on this machine");
	}
	HttpOptions o;
	o.host = ip;
	o.token = "s3cret-token";
	Served s(o);
	s.state.publish(snapshot(1));
	auto c = s.client();
	auto r = c.Get("/api/window");
	REQUIRE(r);
	CHECK(r->status == 200);  // reading is open
	CHECK(c.Get("/api/state")->body.find(R"("loopback":false)") != std::string::npos);
	r = c.Post("/api/pause", "", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 403);
	CHECK(r->body.starts_with("read-only without the token"));
	r = c.Post("/api/pause?token=wrong-token", "", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 403);
	CHECK_FALSE(s.state.controls().paused);
	r = c.Post("/api/pause?token=s3cret-token", "", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 200);
	CHECK(s.state.controls().paused);
	c.set_bearer_token_auth("s3cret-token");
	r = c.Post("/api/resume", "", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 200);
	CHECK_FALSE(s.state.controls().paused);

	// Without a token (--insecure) nobody off the loopback may control.
	HttpOptions insecure;
	insecure.host = ip;
	insecure.insecure = true;
	Served open(insecure);
	auto oc = open.client();
	r = oc.Post("/api/pause?token=", "", "application/x-www-form-urlencoded");
	REQUIRE(r);
	CHECK(r->status == 403);
	CHECK(r->body == "read-only: controls are for loopback clients\n");

	// And the policy is checked before anything listens.
	HttpOptions none;
	none.host = ip;
	LiveState st{LiveControls{}};
	auto refused = start_http_server(none, st);
	REQUIRE_FALSE(refused);
	CHECK(refused.error().exit == ExitCode::usage);
}

TEST_CASE("http server: a port in use is an environment error, a restart is not", "[http]")
{
	int port = 0;
	std::vector<std::unique_ptr<httplib::Client>> clients;  // open when the server stops
	{
		Served s;
		port = s.port;
		HttpOptions o;
		o.port = s.port;
		LiveState st{LiveControls{}};
		auto again = start_http_server(o, st);
		REQUIRE_FALSE(again);
		CHECK(again.error().exit == ExitCode::environment);
		CHECK(again.error().msg == fmt::format("--http: 127.0.0.1:{} is in use", s.port));
		// Connections still open when it stops are closed from its side,
		// which leaves them in TIME_WAIT there.
		for (int i = 0; i < 3; i++) {
			clients.push_back(std::make_unique<httplib::Client>(s.host, s.port));
			clients.back()->set_keep_alive(true);
			REQUIRE(clients.back()->Get("/api/state"));
		}
	}
	HttpOptions o;
	o.port = port;
	LiveState st{LiveControls{}};
	auto restarted = start_http_server(o, st);
	REQUIRE(restarted);
	st.finish("test over");
	(*restarted)->stop();
}

namespace {

// Reads the event stream until `events` events came (or the stream ends),
// then hangs up; returns the events' names and first data bytes.
std::vector<std::string> read_events(const Served &s, size_t events, int *status = nullptr)
{
	auto c = s.client();
	std::string buf;
	std::vector<std::string> got;
	auto res = c.Get("/api/events", [&](const char *data, size_t n) {
		buf.append(data, n);
		size_t end;
		while ((end = buf.find("\n\n")) != std::string::npos) {
			std::string ev = buf.substr(0, end);
			buf.erase(0, end + 2);
			if (ev.starts_with(":"))
				continue;
			size_t name = ev.find("event: ");
			size_t data_at = ev.find("data: ");
			if (name != std::string::npos && data_at != std::string::npos)
				got.push_back(ev.substr(name + 7, ev.find('\n', name) - name - 7) + " " +
					      ev.substr(data_at + 6, 12));
		}
		return got.size() < events;
	});
	if (status)
		*status = res ? res->status : -1;
	return got;
}

long rss_kb()
{
	std::string status = test::read_file("/proc/self/status");
	size_t at = status.find("VmRSS:");
	return at == std::string::npos ? 0 : std::stol(status.substr(at + 6));
}

}  // namespace

TEST_CASE("http server: the event stream, to the end", "[http]")
{
	Served s;
	s.state.publish(snapshot(1));
	std::vector<std::string> got;
	std::thread reader([&] { got = read_events(s, 10); });
	// Wait for the reader's stream to be open before publishing more.
	for (int i = 0; i < 200 && s.state.streams() == 0; i++)
		std::this_thread::sleep_for(5ms);
	REQUIRE(s.state.streams() == 1);
	auto t0 = std::chrono::steady_clock::now();
	s.state.publish(snapshot(2));
	std::this_thread::sleep_for(50ms);
	s.state.finish("duration");
	reader.join();
	CHECK(std::chrono::steady_clock::now() - t0 < 2s);  // the end, not a keep-alive timeout
	REQUIRE(got.size() == 3);
	CHECK(got[0] == R"(window {"window":1,)");
	CHECK(got[1] == R"(window {"window":2,)");
	CHECK(got[2] == R"(end {"reason":"d)");
	for (int i = 0; i < 200 && s.state.streams() != 0; i++)
		std::this_thread::sleep_for(5ms);
	CHECK(s.state.streams() == 0);
	// After the end: no stream, and the page is still served until stop.
	int status = 0;
	read_events(s, 1, &status);
	CHECK(status == 503);
}

TEST_CASE("http server: many clients, some hanging up mid-stream", "[http]")
{
	HttpOptions o;
	o.max_streams = 24;
	Served s(o);
	s.state.publish(snapshot(1));
	std::atomic<bool> publishing{true};
	std::thread publisher([&] {
		for (uint64_t i = 2; publishing; i++) {
			s.state.publish(snapshot(i));
			std::this_thread::sleep_for(20ms);
		}
	});
	// Warm up (thread pool, allocator), then measure over many rounds of
	// 20 clients that each read 2 events and hang up.
	auto round = [&] {
		// A stream that was hung up on is noticed at the next write: let
		// the last round's go before counting against the limit.
		for (int i = 0; i < 400 && s.state.streams() != 0; i++)
			std::this_thread::sleep_for(5ms);
		std::vector<std::thread> clients;
		std::atomic<int> ok{0};
		for (int i = 0; i < 20; i++)
			clients.emplace_back([&] {
				if (read_events(s, 2).size() == 2)
					ok++;
			});
		for (auto &t : clients)
			t.join();
		return ok.load();
	};
	CHECK(round() == 20);
	long before = rss_kb();
	int ok = 0;
	for (int r = 0; r < 10; r++)
		ok += round();
	long after = rss_kb();
	CHECK(ok == 200);
	INFO("RSS before " << before << " kB, after " << after << " kB");
#ifdef __SANITIZE_ADDRESS__
	// ASan's quarantine keeps freed memory from reuse: RSS says nothing
	// here. The rest of the case runs; the case says SKIP for this part.
	const bool rss_measured = false;
#else
	const bool rss_measured = true;
	CHECK(after - before < 8 * 1024);
#endif
	// Every stream was closed and the server still answers.
	for (int i = 0; i < 400 && s.state.streams() != 0; i++)
		std::this_thread::sleep_for(5ms);
	CHECK(s.state.streams() == 0);
	auto c = s.client();
	auto r = c.Get("/api/state");
	REQUIRE(r);
	CHECK(r->status == 200);

	// Past the limit of streams: 503, and the others go on.
	std::vector<std::thread> holders;
	for (size_t i = 0; i < o.max_streams; i++)
		holders.emplace_back([&] { read_events(s, 1000000); });
	for (int i = 0; i < 400 && s.state.streams() < o.max_streams; i++)
		std::this_thread::sleep_for(5ms);
	REQUIRE(s.state.streams() == o.max_streams);
	int status = 0;
	read_events(s, 1, &status);
	CHECK(status == 503);
	CHECK(c.Get("/api/window")->status == 200);  // plain requests still have threads
	publishing = false;
	publisher.join();
	s.state.finish("test over");  // ends the holders' streams
	for (auto &t : holders)
		t.join();
	if (!rss_measured)
		XPU_SKIP("the RSS bound: not measured under ASan (its quarantine holds freed memory); the rest ran");
}

// Not run by default ([.]): serves the GPU fixture, a new window every
// 0.3 s, for tests/shell/live_http_gpu_chromium.sh (a live session cannot
// have GPU frames on a machine without a GPU); prints the URL, serves for
// XPU_SERVE_SECONDS (default 30).
TEST_CASE("http server: serve the GPU fixture to a browser", "[.serve]")
{
	Served s;
	std::printf("serving %s\n", s.server->url().c_str());
	std::fflush(stdout);
	const char *env = std::getenv("XPU_SERVE_SECONDS");
	auto until = std::chrono::steady_clock::now() +
		     std::chrono::milliseconds(static_cast<long>(1000 * (env ? std::atof(env) : 30)));
	for (uint64_t i = 1; std::chrono::steady_clock::now() < until; i++) {
		s.state.publish(snapshot(i));
		std::this_thread::sleep_for(300ms);
	}
}
