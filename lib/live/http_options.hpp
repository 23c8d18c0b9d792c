// `live --http`: where the page is served and who may change the session.
// Pure parsing and policy (no sockets), shared by the server and its tests.
//
//   --http [ADDR:]PORT     ADDR defaults to 127.0.0.1; "[::1]:8080" for IPv6;
//                          PORT 0 picks a free port (the URL is printed)
//   --http-token TOKEN     clients that are not on the loopback may change the
//                          session only with it (Authorization: Bearer TOKEN,
//                          or ?token=TOKEN)
//   --insecure             allows a non-loopback ADDR without a token: those
//                          clients are then read-only
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/error.hpp"

namespace xpu {

struct HttpOptions {
	std::string host = "127.0.0.1";
	int port = 0;
	std::string token;      // empty: no token, non-loopback clients read-only
	bool insecure = false;  // a non-loopback host without a token is allowed
	// Limits. Each event stream holds one thread for its lifetime; the
	// other requests share `workers` threads of their own.
	size_t max_streams = 16;
	size_t workers = 4;
	size_t max_body = 4096;  // bytes of a request body (controls are small)
};

// "[ADDR:]PORT" -> host and port; usage errors for anything else.
Result<HttpOptions> parse_http_listen(std::string_view spec);

// The address a server binds: 127.0.0.0/8, ::1, "localhost".
bool is_loopback_host(std::string_view host);
// The address a request came from (as the socket gives it, IPv4-mapped
// IPv6 included).
bool is_loopback_peer(std::string_view addr);

// A non-loopback host needs a token or --insecure; a token must be at least
// 8 characters (a guessable token is no protection).
Result<void> check_http_options(const HttpOptions &o);

// Compares in time independent of where the strings differ.
bool token_matches(std::string_view given, std::string_view want);

}  // namespace xpu
