// The CSS and JavaScript embedded in every flame graph SVG (writer_svg.cpp).
// Kept apart from the layout code so each can be read on its own.
#pragma once

namespace xpu {

// Rules for the <style> element.
extern const char svg_style[];
// The body of the <script> element (inside CDATA: it never contains "]]>").
// It reads the frames' data-s (start weight), data-w (weight) and data-d
// (depth) attributes and the root <svg>'s data-total, data-xpad, data-plotw
// and data-fontw, and handles: click to zoom (and "Reset Zoom", Escape),
// search by regular expression ("Search", Ctrl-F or '/'), which highlights
// matches and shows their share of the total, and the hovered frame's
// details on the bottom line.
extern const char svg_script[];

}  // namespace xpu
