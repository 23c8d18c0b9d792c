#include "symbolize/demangle.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace xpu {

std::string demangle(std::string_view name)
{
	// Only "_Z" names are Itanium-mangled; __cxa_demangle would otherwise
	// happily "demangle" plain C names such as "i" or "f" as type names.
	if (!name.starts_with("_Z"))
		return std::string(name);
	std::string mangled(name);  // __cxa_demangle needs a NUL-terminated string
	int status = 0;
	std::unique_ptr<char, decltype(&std::free)> out(
		abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status), &std::free);
	if (status != 0 || !out)
		return mangled;
	return std::string(out.get());
}

void make_frame_safe(std::string &name)
{
	for (char &c : name) {
		if (c == ';')
			c = ':';
		else if (c == '\n' || c == '\r')
			c = ' ';
	}
}

}  // namespace xpu
