// The page `live --http` serves, embedded in the binary at build time by
// web/build.sh (build/web/web_assets.cpp): web/index.html, app.js and
// style.css with d3 and d3-flame-graph from npm bundled as vendor.js and
// vendor.css; or, where npm was not available, web/fallback.html, which
// shows the server's own SVG flame graph and says why.
#pragma once

#include <span>
#include <string_view>

namespace xpu {

struct WebAsset {
	std::string_view path;  // "/", "/app.js", ...
	std::string_view content_type;
	std::string_view body;
};

std::span<const WebAsset> web_assets();
// True when the d3 page is built in, false for the fallback page.
bool web_page_full();
// What was bundled ("d3 7.9.2, d3-flame-graph 4.1.3"), or why the fallback.
std::string_view web_page_note();

}  // namespace xpu
