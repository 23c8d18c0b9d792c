// The endpoints of `live --http` (xpu-perf-live(1), HTTP API):
//
//   GET  /                      the page (and its /app.js, /style.css, ...)
//   GET  /api/events            Server-Sent Events: "window" per window shown,
//                               "end" when the session ends
//   GET  /api/window            the last "window" event's JSON
//   GET  /api/state             controls, health, layer split history
//   GET  /api/profile?format=folded|svg|pprof[&view=current|session]
//   POST /api/pause, /api/resume
//   POST /api/control?interval=S&view=V&comm=C&pid=P&regex=R&layers=L
//
// Controls are POST only (query string or form body), refused (403) for a
// non-loopback client without the token, and for a cross-origin request.
// Served on the loopback, every request must name a loopback host (Host:
// 127.0.0.1, localhost, [::1]), against DNS rebinding.
#pragma once

#include <httplib.h>

#include "live/http_options.hpp"
#include "live/http_state.hpp"

namespace xpu {

void add_live_routes(httplib::Server &svr, LiveState &state, const HttpOptions &opts);

}  // namespace xpu
