#include "output/frame_color.hpp"

#include <cmath>

namespace xpu {

namespace {

// FNV-1a, then a final avalanche so that names differing in one character
// ("a", "b") get unrelated shades. Stable: a name keeps its colour in every
// run and build.
uint64_t name_hash(std::string_view s)
{
	uint64_t h = 14695981039346656037ull;
	for (unsigned char c : s) {
		h ^= c;
		h *= 1099511628211ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

uint8_t shade(double lo, double span, double v)
{
	return static_cast<uint8_t>(std::lround(lo + span * v));
}

}  // namespace

Rgb frame_color(FrameKind kind, std::string_view name)
{
	if (kind == FrameKind::inlined && name.ends_with("_[i]"))
		name.remove_suffix(4);  // an inlined function is tinted like its own frame
	uint64_t h = name_hash(name);
	double v1 = static_cast<double>(h & 0xffff) / 0xffff;
	double v2 = static_cast<double>((h >> 16) & 0xffff) / 0xffff;
	double v3 = static_cast<double>((h >> 32) & 0xffff) / 0xffff;
	switch (kind) {
	case FrameKind::root: {
		uint8_t g = shade(160, 40, v1);
		return {g, g, g};
	}
	case FrameKind::kernel: {
		uint8_t r = shade(225, 30, v1);
		return {r, shade(0.55 * r - 6, 12, v2), shade(60, 25, v3)};
	}
	case FrameKind::off_cpu:
		return {shade(50, 50, v1), shade(100, 60, v2), shade(205, 50, v3)};
	case FrameKind::gpu:
		return {shade(40, 50, v1), shade(185, 50, v2), shade(100, 80, v3)};
	case FrameKind::net:  // violet: apart from CPU warm, off-CPU blue, GPU green
		return {shade(150, 50, v1), shade(70, 40, v2), shade(200, 50, v3)};
	case FrameKind::inlined: {
		Rgb u = frame_color(FrameKind::user, name);
		auto lighten = [](uint8_t c) { return shade(c, 0.45 * (255 - c), 1); };
		return {lighten(u.r), lighten(u.g), lighten(u.b)};
	}
	case FrameKind::user:
		break;
	}
	return {shade(205, 50, v1), shade(60, 160, v2), shade(0, 25, v3)};
}

}  // namespace xpu
