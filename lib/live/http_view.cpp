#include "live/http_view.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "base/user_regex.hpp"
#include "output/export_formats.hpp"
#include "output/export_pprof.hpp"
#include "output/writer_svg.hpp"
#include "output/writer_table.hpp"

namespace xpu {

const char *to_string(LiveView v) { return v == LiveView::session ? "session" : "current"; }

namespace {

std::vector<std::string> split_list(const std::string &s)
{
	std::vector<std::string> out;
	size_t start = 0;
	while (start <= s.size()) {
		size_t comma = s.find(',', start);
		if (comma == std::string::npos)
			comma = s.size();
		if (comma > start)
			out.push_back(s.substr(start, comma - start));
		start = comma + 1;
	}
	return out;
}

Result<void> apply_one(LiveControls &c, const std::string &name, const std::string &value)
{
	if (name == "interval") {
		double sec = 0;
		auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), sec);
		if (ec != std::errc() || end != value.data() + value.size() || !(sec >= 0.05) ||
		    !(sec <= 3600))
			return fail(ExitCode::usage, "interval: '{}' is not a number of seconds from "
						     "0.05 to 3600", value);
		c.interval = std::chrono::milliseconds(std::lround(sec * 1000));
	} else if (name == "view") {
		if (value == "current")
			c.view = LiveView::current;
		else if (value == "session")
			c.view = LiveView::session;
		else
			return fail(ExitCode::usage, "view: '{}' is not current or session", value);
	} else if (name == "comm") {
		c.filter.comms = split_list(value);
	} else if (name == "pid") {
		auto pids = split_list(value);
		for (const auto &p : pids)
			if (p.find_first_not_of("0123456789") != std::string::npos || p.size() > 10)
				return fail(ExitCode::usage, "pid: '{}' is not a process id", p);
		c.filter.pids = std::move(pids);
	} else if (name == "regex") {
		if (auto re = compile_user_regex(value); !re)
			return fail(ExitCode::usage, "regex: '{}' is not a valid regular expression "
						     "({})", value, re.error());
		c.filter.grep = value;
	} else if (name == "layers") {
		auto layers = split_list(value);
		for (const auto &l : layers)
			if (l != "cpu" && l != "offcpu" && l != "gpu" && l != "net")
				return fail(ExitCode::usage, "layers: '{}' is not cpu, offcpu, gpu or net", l);
		c.filter.layers = std::move(layers);
	} else {
		return fail(ExitCode::usage, "unknown parameter '{}' (interval, view, comm, pid, "
					     "regex, layers)", name);
	}
	return {};
}

std::string json_list(const std::vector<std::string> &v)
{
	std::string out = "[";
	for (size_t i = 0; i < v.size(); i++)
		out += (i ? "," : "") + json_string(v[i]);
	return out + "]";
}

void flame_node(const StackTree &t, StackTree::NodeId id, double min_weight, size_t max_nodes,
		size_t &nodes, size_t &elided, std::string &out)
{
	nodes++;
	out += fmt::format("{{\"n\":{},\"v\":{}", json_string(id == StackTree::root_id ? "all"
											  : t.name(id)),
			   t.node(id).total);
	bool open = false;
	for (auto kid : t.children(id)) {
		if (t.node(kid).total < min_weight || nodes >= max_nodes) {
			elided++;
			continue;
		}
		out += open ? "," : ",\"c\":[";
		open = true;
		flame_node(t, kid, min_weight, max_nodes, nodes, elided, out);
	}
	out += open ? "]}" : "}";
}

}  // namespace

Result<void> apply_control_params(LiveControls &c,
				  const std::vector<std::pair<std::string, std::string>> &p)
{
	LiveControls next = c;
	for (const auto &[name, value] : p)
		if (auto r = apply_one(next, name, value); !r)
			return r;
	c = std::move(next);
	return {};
}

Result<StackTree> view_tree(const LiveSnapshot &s, const LiveControls &c)
{
	const Profile *p = c.view == LiveView::session ? s.session.get() : s.window.get();
	StackTree tree;
	if (!p)
		return tree;
	auto filter = StackFilter::make(c.filter);
	if (!filter)
		return std::unexpected(filter.error());
	bool filtering = c.filter.any();
	StackSplitter splitter(tree.frames());
	p->for_each([&](std::string_view stack, uint64_t weight) {
		auto ids = std::span<const FrameId>(splitter.split(stack));
		if (filtering)
			ids = filter->apply(ids, tree.frames());
		if (!ids.empty())
			tree.add(ids, static_cast<double>(weight));
	});
	return tree;
}

std::string flame_json(const StackTree &t, size_t max_nodes, double min_share, size_t *elided)
{
	std::string out;
	size_t nodes = 0, left_out = 0;
	flame_node(t, StackTree::root_id, min_share * t.total(), std::max<size_t>(max_nodes, 1),
		   nodes, left_out, out);
	if (elided)
		*elided = left_out;
	return out;
}

std::string controls_json(const LiveControls &c)
{
	return fmt::format("{{\"paused\":{},\"interval\":{},\"view\":\"{}\",\"filter\":{{\"comm\":{},"
			   "\"pid\":{},\"regex\":{},\"layers\":{}}}}}",
			   c.paused, c.interval.count() / 1000.0, to_string(c.view),
			   json_list(c.filter.comms), json_list(c.filter.pids),
			   json_string(c.filter.grep), json_list(c.filter.layers));
}

// Flame graph nodes sent per event: enough for any screen (a frame under
// 0.1% of the width is under 2 px), small enough for 20 clients a second.
constexpr size_t kFlameMaxNodes = 4000;
constexpr double kFlameMinShare = 0.001;
constexpr size_t kTopRows = 25;

std::string window_event_json(const LiveSnapshot &s, const LiveControls &c, const StackTree &shown,
			      double published)
{
	const LiveHealth &h = s.health;
	std::string json = fmt::format(
		"{{\"window\":{},\"start\":{:.3f},\"end\":{:.3f},\"published\":{:.3f},"
		"\"controls\":{},\"freq\":{},\"lost\":{},\"lost_total\":{},"
		"\"quality\":{{\"with_user\":{:.1f},\"rooted\":{:.1f},\"truncated\":{:.1f}}},"
		"\"split\":{{\"total\":{},\"oncpu\":{},\"offcpu\":{},\"gpu\":{},\"net\":{}}},",
		s.index, s.start, s.end, published, controls_json(c), h.freq, h.lost, h.lost_total,
		h.with_user, h.rooted, h.truncated, s.split.total, s.split.oncpu, s.split.offcpu,
		s.split.gpu, s.split.net);
	auto rows = function_stats(shown);
	std::erase_if(rows, [](const FunctionStats &f) { return !(f.self > 0); });
	std::sort(rows.begin(), rows.end(), [](const auto &a, const auto &b) {
		return a.self != b.self ? a.self > b.self : a.name < b.name;
	});
	if (rows.size() > kTopRows)
		rows.resize(kTopRows);
	json += "\"top\":[";
	for (size_t i = 0; i < rows.size(); i++)
		json += fmt::format("{}{{\"name\":{},\"self\":{},\"total\":{}}}", i ? "," : "",
				    json_string(rows[i].name), rows[i].self, rows[i].total);
	size_t elided = 0;
	std::string flame = flame_json(shown, kFlameMaxNodes, kFlameMinShare, &elided);
	json += fmt::format("],\"shown\":{{\"total\":{},\"stacks\":{},\"elided\":{}}},\"flame\":{}",
			    shown.total(), shown.stacks(), elided, flame);
	if (s.timeline)
		json += ",\"timeline\":" + *s.timeline;
	return json + "}";
}

Result<ProfileDownload> export_view(const StackTree &t, std::string_view format, int freq,
				    const std::string &title)
{
	if (format == "folded")
		return ProfileDownload{to_folded_text(t), "text/plain; charset=utf-8",
				       "xpu-perf.folded"};
	if (format == "svg") {
		SvgOptions o;
		o.title = title;
		return ProfileDownload{to_svg(t, o), "image/svg+xml", "xpu-perf.svg"};
	}
	if (format == "pprof") {
		auto gz = to_pprof(t, nullptr, PprofOptions{.freq = freq});
		if (!gz)
			return std::unexpected(gz.error());
		return ProfileDownload{std::move(*gz), "application/octet-stream",
				       "xpu-perf.pb.gz"};
	}
	return fail(ExitCode::usage, "format: '{}' is not folded, svg or pprof", format);
}

}  // namespace xpu
