#include "live/http_options.hpp"

#include <charconv>

namespace xpu {

Result<HttpOptions> parse_http_listen(std::string_view spec)
{
	HttpOptions o;
	std::string_view port = spec;
	if (spec.starts_with('[')) {  // [IPv6]:PORT
		size_t close = spec.find("]:");
		if (close == std::string_view::npos || close == 1)
			return fail(ExitCode::usage, "--http '{}': want [ADDR]:PORT for IPv6", spec);
		o.host = std::string(spec.substr(1, close - 1));
		port = spec.substr(close + 2);
	} else if (size_t colon = spec.rfind(':'); colon != std::string_view::npos) {
		if (spec.find(':') != colon)
			return fail(ExitCode::usage, "--http '{}': write an IPv6 address as [ADDR]:PORT",
				    spec);
		if (colon == 0)
			return fail(ExitCode::usage, "--http '{}': empty address before ':'", spec);
		o.host = std::string(spec.substr(0, colon));
		port = spec.substr(colon + 1);
	}
	int n = -1;
	auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
	if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n < 0 ||
	    n > 65535)
		return fail(ExitCode::usage, "--http '{}': the port must be a number from 0 to 65535",
			    spec);
	o.port = n;
	return o;
}

bool is_loopback_host(std::string_view host)
{
	return host == "localhost" || host == "::1" || host.starts_with("127.");
}

bool is_loopback_peer(std::string_view addr)
{
	if (addr.starts_with("::ffff:"))
		addr.remove_prefix(7);
	return addr == "::1" || addr.starts_with("127.");
}

Result<void> check_http_options(const HttpOptions &o)
{
	if (!o.token.empty() && o.token.size() < 8)
		return fail(ExitCode::usage, "--http-token: use at least 8 characters");
	if (!is_loopback_host(o.host) && o.token.empty() && !o.insecure)
		return fail(ExitCode::usage,
			    "--http {}: serving beyond this machine needs --http-token TOKEN (or "
			    "--insecure for a read-only page without one)",
			    o.host);
	return {};
}

bool token_matches(std::string_view given, std::string_view want)
{
	if (want.empty())
		return false;
	unsigned char diff = given.size() == want.size() ? 0 : 1;
	for (size_t i = 0; i < given.size(); i++)
		diff |= static_cast<unsigned char>(given[i] ^ want[i % want.size()]);
	return diff == 0;
}

}  // namespace xpu
