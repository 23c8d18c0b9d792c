// The built-in flame graph: one self-contained SVG (no external scripts,
// fonts or styles) drawn from a StackTree. One <g class="f"> per frame with a
// <title> tooltip "name (N samples, P%)", a <rect> and a <text>; embedded
// JavaScript zooms on click, searches by regular expression and shows the
// matched share. Frames narrower than min_width pixels are left out (and
// counted), as flamegraph.pl does, which keeps large profiles small.
//
// Layout: 10 px side margins, so frame pixels are weight / total * (width -
// 20), printed with 2 decimals; frames are laid out left to right in the
// tree's (byte) order of names. The root ("all") is the bottom row, or the top
// row when inverted (an icicle graph). Colours: frame_color.hpp.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "output/frame_color.hpp"
#include "profile/stack_tree.hpp"
#include "base/xml_escape.hpp"

namespace xpu {

struct SvgOptions {
	std::string title;       // empty: "Flame Graph", or "Icicle Graph" when inverted
	std::string subtitle;    // optional second line under the title
	int width = 1200;        // image width in pixels
	int frame_height = 16;   // row height in pixels
	double min_width = 0.1;  // frames narrower than this (pixels) are elided
	bool inverted = false;   // root at the top
	std::string unit = "samples";
	// A differential flame graph (report --diff): per node, the change of
	// its share in percentage points. Frames are then coloured by it, red
	// for growth and blue for shrinkage, deeper for larger changes (white
	// for none), and the tooltip shows it.
	const std::vector<double> *delta = nullptr;
};

// The fill of a frame whose share changed by `delta` pp, where the largest
// change anywhere is `max_abs` pp.
Rgb diff_color(double delta, double max_abs);

struct SvgStats {
	size_t drawn = 0;   // frames written, the "all" root included
	size_t elided = 0;  // frames narrower than min_width, left out
	int height = 0;     // image height in pixels
};

inline constexpr int svg_side_margin = 10;

std::string to_svg(const StackTree &tree, const SvgOptions &opts, SvgStats *stats = nullptr);
Result<SvgStats> write_svg(const StackTree &tree, const SvgOptions &opts, std::FILE *out);

}  // namespace xpu
