// `live --http`: the HTTP server (Debian's cpp-httplib) in threads of its
// own, serving the embedded page, the event stream and the control
// endpoints from a LiveState (routes: http_routes.hpp, documented in
// xpu-perf-live(1)). The static build has no cpp-httplib (Debian ships it
// only as a shared library): there lib/static/http_stub.cpp stands in and
// start_http_server says so.
#pragma once

#include <memory>
#include <string>

#include "base/error.hpp"
#include "live/http_options.hpp"
#include "live/http_state.hpp"

namespace xpu {

class HttpServer {
public:
	virtual ~HttpServer() = default;
	// "http://127.0.0.1:8080/", with the port actually bound.
	virtual std::string url() const = 0;
	// Stops accepting, ends the streams (call LiveState::finish first so
	// that they say why) and joins every thread. Also run by the destructor.
	virtual void stop() = 0;
};

// Binds (usage error for a bad policy, environment error when the address
// cannot be bound) and serves `state` until stop().
Result<std::unique_ptr<HttpServer>> start_http_server(const HttpOptions &opts, LiveState &state);

// One line for `xpu-perf --version`: whether the web page is built in.
std::string http_support_text();

}  // namespace xpu
