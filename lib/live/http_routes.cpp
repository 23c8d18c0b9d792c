#include "live/http_routes.hpp"

#include <fmt/format.h>

#include "live/http_assets.hpp"
#include "output/writer_table.hpp"

namespace xpu {

namespace {

constexpr const char *kText = "text/plain; charset=utf-8";
constexpr const char *kJson = "application/json";
// Between events a stream sends a comment this often, so that proxies keep
// it open and a client that went away is noticed (the write fails).
constexpr auto kStreamKeepAlive = std::chrono::seconds(10);

void refuse(httplib::Response &res, int status, const std::string &why)
{
	res.status = status;
	res.set_content(why + "\n", kText);
}

void send_json(httplib::Response &res, std::string json)
{
	res.set_header("Cache-Control", "no-store");
	res.set_content(json + "\n", kJson);
}

std::string bearer_token(const httplib::Request &req)
{
	std::string auth = req.get_header_value("Authorization");
	if (auth.starts_with("Bearer "))
		return auth.substr(7);
	return req.get_param_value("token");
}

// Controls: loopback clients, or anyone with the token; and never a page
// of another origin (a form on some web site posting to localhost).
bool may_control(const httplib::Request &req, httplib::Response &res, const HttpOptions &o)
{
	std::string origin = req.get_header_value("Origin");
	if (!origin.empty() && origin != "http://" + req.get_header_value("Host")) {
		refuse(res, 403, "cross-origin control request refused");
		return false;
	}
	if (is_loopback_peer(req.remote_addr) || token_matches(bearer_token(req), o.token))
		return true;
	refuse(res, 403, o.token.empty() ? "read-only: controls are for loopback clients"
					 : "read-only without the token (Authorization: Bearer "
					   "TOKEN or ?token=TOKEN)");
	return false;
}

// Served on the loopback, the page answers only to loopback names: a web
// site whose name someone re-pointed at 127.0.0.1 (DNS rebinding) would
// otherwise read the profile as its own origin.
bool host_allowed(const httplib::Request &req, const HttpOptions &o)
{
	if (!is_loopback_host(o.host))
		return true;
	std::string host = req.get_header_value("Host");
	if (host.starts_with("[")) {
		size_t close = host.find(']');
		host = close == std::string::npos ? "" : host.substr(1, close - 1);
	} else if (size_t colon = host.rfind(':'); colon != std::string::npos) {
		host.resize(colon);
	}
	return is_loopback_host(host);
}

// The request's parameters less the token, in order.
std::vector<std::pair<std::string, std::string>> control_params(const httplib::Request &req)
{
	std::vector<std::pair<std::string, std::string>> out;
	for (const auto &[k, v] : req.params)
		if (k != "token")
			out.emplace_back(k, v);
	return out;
}

void serve_events(LiveState &state, const HttpOptions &o, httplib::Response &res)
{
	if (!state.open_stream(o.max_streams)) {
		refuse(res, 503, state.finished() ? "the session has ended"
						  : fmt::format("too many event streams (at most {})",
								o.max_streams));
		return;
	}
	res.set_header("Cache-Control", "no-store");
	res.set_header("X-Accel-Buffering", "no");
	auto last = std::make_shared<uint64_t>(0);
	res.set_chunked_content_provider(
		"text/event-stream",
		[&state, last](size_t, httplib::DataSink &sink) {
			auto ev = state.next_event(*last, kStreamKeepAlive);
			if (!ev) {
				if (state.finished()) {
					sink.done();
					return true;
				}
				static const std::string ping = ": keep-alive\n\n";
				return sink.write(ping.data(), ping.size());
			}
			*last = ev->seq;
			// One write, one HTTP chunk: an event is never split.
			std::string msg = fmt::format("id: {}\nevent: {}\ndata: {}\n\n", ev->seq,
						      ev->name, *ev->data);
			if (!sink.write(msg.data(), msg.size()))
				return false;
			if (ev->name == "end")
				sink.done();
			return true;
		},
		[&state](bool) { state.close_stream(); });
}

void serve_profile(LiveState &state, const httplib::Request &req, httplib::Response &res)
{
	LiveControls c = state.controls();
	std::string format = "folded";
	std::vector<std::pair<std::string, std::string>> view;
	for (const auto &[k, v] : req.params) {
		if (k == "format")
			format = v;
		else if (k == "view")
			view.emplace_back(k, v);
		else if (k != "token")
			return refuse(res, 400, fmt::format("unknown parameter '{}' (format, view)", k));
	}
	if (auto r = apply_control_params(c, view); !r)
		return refuse(res, 400, r.error().msg);
	if (format != "folded" && format != "svg" && format != "pprof")
		return refuse(res, 400, fmt::format("format: '{}' is not folded, svg or pprof", format));
	auto snap = state.shown();
	if (!snap)
		return refuse(res, 503, "no window yet: try again after the first interval");
	auto tree = view_tree(*snap, c);
	if (!tree)
		return refuse(res, 400, tree.error().msg);
	auto title = fmt::format("xpu-perf live: {} {}", c.view == LiveView::session ? "session to window"
										     : "window",
				 snap->index);
	auto dl = export_view(*tree, format, snap->health.freq, title);
	if (!dl)
		return refuse(res, 500, dl.error().msg);
	res.set_header("Cache-Control", "no-store");
	res.set_header("Content-Disposition",
		       fmt::format("{}; filename=\"{}\"", format == "svg" ? "inline" : "attachment",
				   dl->filename));
	res.set_content(std::move(dl->body), dl->content_type);
}

}  // namespace

void add_live_routes(httplib::Server &svr, LiveState &state, const HttpOptions &o)
{
	svr.set_pre_routing_handler(httplib::Server::HandlerWithResponse(
		[&o](const httplib::Request &req, httplib::Response &res) {
			if (host_allowed(req, o))
				return httplib::Server::HandlerResponse::Unhandled;
			refuse(res, 403, "served on the loopback: use a loopback address or "
					 "localhost in the URL");
			return httplib::Server::HandlerResponse::Handled;
		}));
	for (const WebAsset &a : web_assets()) {
		std::string pattern;  // routes are regular expressions
		for (char ch : a.path)
			pattern += ch == '.' ? std::string("\\.") : std::string(1, ch);
		svr.Get(pattern, [a](const httplib::Request &, httplib::Response &res) {
			res.set_header("Content-Security-Policy",
				       "default-src 'self'; img-src 'self' data:; "
				       "style-src 'self' 'unsafe-inline'");
			res.set_header("X-Content-Type-Options", "nosniff");
			res.set_content(a.body.data(), a.body.size(), std::string(a.content_type));
		});
	}
	svr.Get("/api/state", [&state](const httplib::Request &req, httplib::Response &res) {
		std::string json = state.state_json();
		json.pop_back();  // add whether this client may change the session
		json += fmt::format(",\"loopback\":{},\"page\":{{\"full\":{},\"note\":{}}}}}",
				    is_loopback_peer(req.remote_addr), web_page_full(),
				    json_string(web_page_note()));
		send_json(res, std::move(json));
	});
	svr.Get("/api/window", [&state](const httplib::Request &, httplib::Response &res) {
		auto ev = state.next_event(0, std::chrono::milliseconds(0));
		// The newest event is "end" once the session is over: the window
		// before it is gone with the stream, so say so.
		if (!ev || ev->name != "window")
			return refuse(res, 503, state.finished() ? "the session has ended"
								 : "no window yet");
		send_json(res, *ev->data);
	});
	svr.Get("/api/events", [&state, &o](const httplib::Request &, httplib::Response &res) {
		serve_events(state, o, res);
	});
	svr.Get("/api/profile", [&state](const httplib::Request &req, httplib::Response &res) {
		serve_profile(state, req, res);
	});
	auto control = [&state, &o](auto change) {
		return [&state, &o, change](const httplib::Request &req, httplib::Response &res) {
			if (!may_control(req, res, o))
				return;
			if (auto r = change(req); !r)
				return refuse(res, 400, r.error().msg);
			send_json(res, state.state_json());
		};
	};
	svr.Post("/api/pause", control([&state](const httplib::Request &req) -> Result<void> {
		if (!control_params(req).empty())
			return fail(ExitCode::usage, "pause takes no parameters");
		state.set_paused(true);
		return {};
	}));
	svr.Post("/api/resume", control([&state](const httplib::Request &req) -> Result<void> {
		if (!control_params(req).empty())
			return fail(ExitCode::usage, "resume takes no parameters");
		state.set_paused(false);
		return {};
	}));
	svr.Post("/api/control", control([&state](const httplib::Request &req) -> Result<void> {
		return state.set_controls(control_params(req));
	}));
	for (const char *path : {"/api/pause", "/api/resume", "/api/control"})
		svr.Get(path, [](const httplib::Request &, httplib::Response &res) {
			res.set_header("Allow", "POST");
			refuse(res, 405, "controls change the session: use POST");
		});
	// Errors without a message of their own (404, 413, ...) get one.
	svr.set_error_handler(httplib::Server::HandlerWithResponse(
		[](const httplib::Request &, httplib::Response &res) {
		if (!res.body.empty())
			return httplib::Server::HandlerResponse::Unhandled;
		res.set_content(fmt::format("{} {}\n", res.status,
					    res.status == 404   ? "not found"
					    : res.status == 413 ? "request too large"
								: "error"),
				kText);
		return httplib::Server::HandlerResponse::Handled;
	}));
}

}  // namespace xpu
