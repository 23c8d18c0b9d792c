#include "output/writer_svg.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <iterator>
#include <vector>

#include <fmt/format.h>

#include "output/writer_svg_script.hpp"

namespace xpu {

namespace {

constexpr int font_size = 12;
constexpr double font_width = 0.59;  // average glyph width per pixel of font size (Verdana)
constexpr int text_pad = 3;          // text starts this far right of its frame

struct Layout {
	int top = 0;     // y of the first row
	int rows = 0;    // depth of the deepest drawn frame + 1
	int height = 0;  // of the whole image
	double plot_w = 0;
	double max_delta = 0;  // largest |delta| (diff graphs)
};

struct Placed {
	StackTree::NodeId id;
	double start;  // weight left of the frame
};

// Pre-order walk placing children left to right from their parent's start
// (the parent's self weight is the gap on the right); a frame narrower than
// min_width is left out with everything above it, each counted.
std::vector<Placed> place_frames(const StackTree &tree, double px_per_weight, double min_width,
				 SvgStats &stats)
{
	std::vector<Placed> out;
	std::vector<Placed> todo{{StackTree::root_id, 0}};
	std::vector<Placed> kids;
	while (!todo.empty()) {
		Placed p = todo.back();
		todo.pop_back();
		const auto &n = tree.node(p.id);
		if (n.total * px_per_weight < min_width)
			++stats.elided;
		else
			out.push_back(p);
		kids.clear();
		double start = p.start;
		for (auto kid : tree.children(p.id)) {
			kids.push_back({kid, start});
			start += tree.node(kid).total;
		}
		// A narrow frame's children are narrower still: only counted.
		for (auto it = kids.rbegin(); it != kids.rend(); ++it)
			todo.push_back(*it);
	}
	return out;
}

// The name cut to what fits in `px` ("name.." when cut), at a UTF-8
// character boundary; empty when not even 3 characters fit.
std::string fit_text(std::string_view name, double px)
{
	double room = (px - 2 * text_pad) / (font_size * font_width);
	if (room < 3)
		return "";
	auto max_chars = static_cast<size_t>(room);
	size_t chars = 0, cut = 0;
	for (size_t i = 0; i < name.size(); ++i) {
		if ((static_cast<unsigned char>(name[i]) & 0xC0) == 0x80)
			continue;  // a UTF-8 continuation byte
		if (chars == max_chars - 2)
			cut = i;
		if (++chars > max_chars)
			return std::string(name.substr(0, cut)) + "..";
	}
	return std::string(name);
}

std::string percent(double part, double whole)
{
	return fmt::format("{:.2f}", whole > 0 ? 100 * part / whole : 0.0);
}

void write_header(std::string &out, const SvgOptions &o, const Layout &l, double total)
{
	auto it = std::back_inserter(out);
	fmt::format_to(it,
		       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		       "<svg version=\"1.1\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
		       "xmlns=\"http://www.w3.org/2000/svg\" data-total=\"{2}\" data-xpad=\"{3}\" "
		       "data-plotw=\"{4}\" data-fontw=\"{5}\">\n",
		       o.width, l.height, total, svg_side_margin, l.plot_w, font_size * font_width);
	fmt::format_to(it,
		       "<!-- Flame graph drawn by xpu-perf report; see xpu-perf-report(1). -->\n"
		       "<defs><linearGradient id=\"bg\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
		       "<stop stop-color=\"#f8f8f8\" offset=\"5%\"/>"
		       "<stop stop-color=\"#e4e4ec\" offset=\"95%\"/></linearGradient></defs>\n"
		       "<style>\n{}</style>\n"
		       "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"url(#bg)\"/>\n",
		       svg_style, o.width, l.height);
	std::string_view title = o.title;
	if (title.empty())
		title = o.inverted ? "Icicle Graph" : "Flame Graph";
	fmt::format_to(it, "<text id=\"title\" x=\"{}\" y=\"24\">{}</text>\n", o.width / 2.0,
		       xml_escape(title));
	if (!o.subtitle.empty())
		fmt::format_to(it, "<text id=\"subtitle\" x=\"{}\" y=\"42\">{}</text>\n",
			       o.width / 2.0, xml_escape(o.subtitle));
	fmt::format_to(it,
		       "<text id=\"unzoom\" class=\"ctl hide\" x=\"{0}\" y=\"24\">"
		       "Reset Zoom</text>\n"
		       "<text id=\"search\" class=\"ctl\" x=\"{1}\" y=\"24\">Search</text>\n"
		       "<text id=\"details\" x=\"{0}\" y=\"{2}\"> </text>\n"
		       "<text id=\"matched\" x=\"{1}\" y=\"{2}\"> </text>\n",
		       svg_side_margin, o.width - svg_side_margin, l.height - 10);
}

void write_frame(std::string &out, const StackTree &tree, const Placed &p, const SvgOptions &o,
		 const Layout &l)
{
	std::string diff;
	Rgb c;
	std::string_view name = tree.name(p.id);
	if (o.delta) {
		double d = (*o.delta)[p.id];
		c = diff_color(d, l.max_delta);
		diff = fmt::format("; {:+.2f} pp", d);
	} else {
		c = frame_color(tree.kind(p.id), name);
	}
	const auto &n = tree.node(p.id);
	double total = tree.total();
	double x = svg_side_margin + p.start / total * l.plot_w;
	double w = n.total / total * l.plot_w;
	int depth = static_cast<int>(n.depth);
	int row = o.inverted ? depth : l.rows - 1 - depth;
	int y = l.top + row * o.frame_height;
	fmt::format_to(std::back_inserter(out),
		       "<g class=\"f\" data-s=\"{}\" data-w=\"{}\" data-d=\"{}\"><title>{} ({} {}, "
		       "{}%{})</title><rect x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" "
		       "fill=\"rgb({},{},{})\" rx=\"2\" ry=\"2\"/><text x=\"{:.2f}\" "
		       "y=\"{:.1f}\">{}</text></g>\n",
		       p.start, n.total, n.depth, xml_escape(name), format_weight(n.total),
		       o.unit, percent(n.total, total), diff, x, y, w, o.frame_height - 1, c.r, c.g, c.b,
		       x + text_pad, y + o.frame_height - 4.5, xml_escape(fit_text(name, w)));
}

}  // namespace

Rgb diff_color(double delta, double max_abs)
{
	// As flamegraph.pl's differential palette: white for no change, full
	// red or blue for the largest one.
	double v = max_abs > 0 ? std::min(1.0, std::fabs(delta) / max_abs) : 0;
	auto pale = static_cast<uint8_t>(std::lround(245 - 210 * v));
	if (delta > 0)
		return {255, pale, pale};
	if (delta < 0)
		return {pale, pale, 255};
	return {245, 245, 245};
}

std::string to_svg(const StackTree &tree, const SvgOptions &opts, SvgStats *stats)
{
	SvgStats st;
	Layout l;
	l.plot_w = std::max(0, opts.width - 2 * svg_side_margin);
	double total = tree.total();
	std::vector<Placed> frames;
	if (total > 0)
		frames = place_frames(tree, l.plot_w / total, opts.min_width, st);
	uint32_t depth = 0;
	for (const auto &p : frames)
		depth = std::max(depth, tree.node(p.id).depth);
	l.rows = frames.empty() ? 0 : static_cast<int>(depth) + 1;
	l.top = opts.subtitle.empty() ? 36 : 54;
	l.height = l.top + l.rows * opts.frame_height + 30;
	if (opts.delta)
		for (const auto &p : frames)
			l.max_delta = std::max(l.max_delta, std::fabs((*opts.delta)[p.id]));

	std::string out;
	out.reserve(512 * frames.size() + 8192);
	write_header(out, opts, l, total);
	out += "<g id=\"frames\">\n";
	for (const auto &p : frames)
		write_frame(out, tree, p, opts, l);
	out += "</g>\n<script type=\"text/ecmascript\"><![CDATA[\n";
	out += svg_script;
	out += "]]></script>\n</svg>\n";
	st.drawn = frames.size();
	st.height = l.height;
	if (stats)
		*stats = st;
	return out;
}

Result<SvgStats> write_svg(const StackTree &tree, const SvgOptions &opts, std::FILE *out)
{
	SvgStats st;
	std::string text = to_svg(tree, opts, &st);
	if (std::fwrite(text.data(), 1, text.size(), out) != text.size() || std::fflush(out) != 0)
		return sys_fail(ExitCode::output, errno, "write flame graph");
	return st;
}

}  // namespace xpu
