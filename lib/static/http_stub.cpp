// `live --http` in `make static`: Debian ships cpp-httplib only as a shared
// library, so the static binary has no HTTP server. This object is linked
// before libxpuperf.a, whose http_server.o (and with it cpp-httplib) is then
// never pulled in; `live --http` says why and what to use instead.
#include "live/http_server.hpp"

namespace xpu {

Result<std::unique_ptr<HttpServer>> start_http_server(const HttpOptions &, LiveState &)
{
	return fail(ExitCode::environment,
		    "--http: not in the static build (Debian ships cpp-httplib only as a shared "
		    "library); use the dynamic build/xpu-perf");
}

std::string http_support_text() { return "no (static build: no cpp-httplib)"; }

}  // namespace xpu
