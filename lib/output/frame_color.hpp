// A frame's fill colour in the flame graph (and any other view that colours
// frames). The family follows the frame's kind, the shade within it a hash of
// the name, so a function keeps its colour from one graph to the next:
//   user     warm, red to yellow      r 205-255, g 60-220, b 0-25
//   inlined  the user colour of the name without "_[i]", 45% lighter (b >= 114)
//   kernel   salmon orange            r 225-255, g about 0.55 r, b 60-85
//   off_cpu  blue                     r 50-100, g 100-160, b 205-255
//   gpu      green to aqua            r 40-90, g 185-235, b 100-180
//   root     grey                     r = g = b, 160-200
#pragma once

#include <cstdint>
#include <string_view>

#include "profile/stack_tree.hpp"

namespace xpu {

struct Rgb {
	uint8_t r = 0, g = 0, b = 0;
};

Rgb frame_color(FrameKind kind, std::string_view name);

}  // namespace xpu
