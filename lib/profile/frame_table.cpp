#include "profile/frame_table.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

#include "base/flat_hash.hpp"

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

namespace {

uint64_t hash_name(std::string_view s) { return std::hash<std::string_view>{}(s); }

}  // namespace

void FrameTable::grow()
{
	std::vector<Slot> bigger(slots_.empty() ? 1024 : slots_.size() * 2);
	size_t mask = bigger.size() - 1;
	for (const Slot &s : slots_) {
		if (s.id == none())
			continue;
		size_t i = mix64(hash_name(names_[s.id])) & mask;
		while (bigger[i].id != none())
			i = (i + 1) & mask;
		bigger[i] = s;
	}
	slots_.swap(bigger);
}

FrameId FrameTable::intern(std::string_view name)
{
	if ((names_.size() + 1) * 2 > slots_.size())
		grow();
	uint64_t h = mix64(hash_name(name));
	auto tag = static_cast<uint32_t>(h >> 32);
	size_t mask = slots_.size() - 1;
	size_t i = h & mask;
	for (; slots_[i].id != none(); i = (i + 1) & mask)
		if (slots_[i].hash == tag && names_[slots_[i].id] == name)
			return slots_[i].id;
	auto id = static_cast<FrameId>(names_.size());
	names_.push_back(store(name));
	slots_[i] = {id, tag};
	return id;
}

FrameId FrameTable::find(std::string_view name) const
{
	if (slots_.empty())
		return none();
	uint64_t h = mix64(hash_name(name));
	auto tag = static_cast<uint32_t>(h >> 32);
	size_t mask = slots_.size() - 1;
	for (size_t i = h & mask; slots_[i].id != none(); i = (i + 1) & mask)
		if (slots_[i].hash == tag && names_[slots_[i].id] == name)
			return slots_[i].id;
	return none();
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
