#include "symbolize/build_id.hpp"

namespace xpu {

std::string build_id_hex(const void *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	auto *b = static_cast<const unsigned char *>(p);
	std::string out;
	out.reserve(n * 2);
	for (size_t i = 0; i < n; i++) {
		out += digits[b[i] >> 4];
		out += digits[b[i] & 15];
	}
	return out;
}

}  // namespace xpu
