#include "profile/profile.hpp"

#include <algorithm>

#include "symbolize/demangle.hpp"

namespace xpu {

void Profile::add(std::span<const std::string> frames, uint64_t weight)
{
	std::string key;
	for (const auto &f : frames) {
		if (!key.empty())
			key += ';';
		key += f;
	}
	add_folded(key, weight);
}

void Profile::add_folded(std::string_view stack, uint64_t weight)
{
	if (weight == 0 || stack.empty())
		return;
	auto it = stacks_.find(std::string(stack));
	if (it == stacks_.end())
		stacks_.emplace(std::string(stack), weight);
	else
		it->second += weight;
	total_ += weight;
}

std::vector<std::pair<std::string_view, uint64_t>> Profile::sorted() const
{
	std::vector<std::pair<std::string_view, uint64_t>> v(stacks_.begin(), stacks_.end());
	std::sort(v.begin(), v.end());
	return v;
}

std::string clean_frame(std::string_view name)
{
	if (name.empty())
		return "[unknown]";
	std::string s(name);
	make_frame_safe(s);
	return s;
}

}  // namespace xpu
