#include "frame_table.hpp"

#include <algorithm>
#include <cstring>

namespace xpu {

namespace {
constexpr size_t block_size = 1 << 20;
}

std::string_view FrameTable::store(std::string_view name)
{
	if (name.size() > block_left_) {
		size_t n = std::max(block_size, name.size());
		blocks_.push_back(std::make_unique<char[]>(n));
		block_pos_ = blocks_.back().get();
		block_left_ = n;
	}
	if (!name.empty())
		std::memcpy(block_pos_, name.data(), name.size());
	std::string_view stored(block_pos_, name.size());
	block_pos_ += name.size();
	block_left_ -= name.size();
	text_bytes_ += name.size();
	return stored;
}

FrameId FrameTable::intern(std::string_view name)
{
	if (auto it = ids_.find(name); it != ids_.end())
		return it->second;
	std::string_view stored = store(name);
	auto id = static_cast<FrameId>(names_.size());
	names_.push_back(stored);
	ids_.emplace(stored, id);
	return id;
}

FrameId FrameTable::find(std::string_view name) const
{
	auto it = ids_.find(name);
	return it == ids_.end() ? none() : it->second;
}

const std::vector<FrameId> &StackSplitter::split(std::string_view stack)
{
	// A frame of the previous stack is the same frame here when its bytes
	// are in the common prefix and it ends here too (';' or the end).
	size_t common = 0;
	size_t limit = std::min(prev_.size(), stack.size());
	while (common < limit && prev_[common] == stack[common])
		++common;
	size_t keep = 0;
	while (keep < ends_.size()) {
		size_t end = ends_[keep];
		if (end > common || (end < stack.size() && stack[end] != ';'))
			break;
		++keep;
	}
	ends_.resize(keep);
	ids_.resize(keep);
	size_t pos = keep == 0 ? 0 : ends_.back() + 1;
	while (pos <= stack.size() && !stack.empty()) {
		size_t end = stack.find(';', pos);
		if (end == std::string_view::npos)
			end = stack.size();
		ids_.push_back(table_.intern(stack.substr(pos, end - pos)));
		ends_.push_back(end);
		pos = end + 1;
	}
	prev_.assign(stack.begin(), stack.end());
	return ids_;
}

}  // namespace xpu
