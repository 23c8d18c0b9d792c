#include "profile/profile.hpp"

#include <algorithm>
#include <cstring>

#include "base/flat_hash.hpp"
#include "profile/weights.hpp"
#include "symbolize/demangle.hpp"

namespace xpu {

namespace {

uint64_t hash_ids(std::span<const FrameId> ids)
{
	uint64_t h = ids.size();
	for (FrameId id : ids)
		h = mix64(h ^ (h << 7) ^ id);
	return h;
}

}  // namespace

Profile::Profile(const Profile &other) : freq_(other.freq_) { *this = other; }

Profile &Profile::operator=(const Profile &other)
{
	if (this == &other)
		return *this;
	freq_ = other.freq_;
	// Interning the names in id order gives each the id it has in other,
	// so the stacks can be copied as they are.
	frames_ = FrameTable();
	for (FrameId id = 0; id < other.frames_.size(); id++)
		frames_.intern(other.frames_.name(id));
	chunks_.clear();
	for (const Chunk &c : other.chunks_) {
		Chunk &mine = chunks_.emplace_back();
		mine.ids = std::make_unique_for_overwrite<FrameId[]>(c.size);
		std::copy_n(c.ids.get(), c.used, mine.ids.get());
		mine.size = c.size;
		mine.used = c.used;
	}
	stacks_ = other.stacks_;
	index_ = other.index_;
	std::lock_guard g(lock_);
	converted_.reset();
	return *this;
}

Profile::Profile(Profile &&other) noexcept { *this = std::move(other); }

Profile &Profile::operator=(Profile &&other) noexcept
{
	if (this == &other)
		return *this;
	freq_ = other.freq_;
	frames_ = std::move(other.frames_);
	chunks_ = std::move(other.chunks_);
	stacks_ = std::move(other.stacks_);
	index_ = std::move(other.index_);
	std::scoped_lock g(lock_, other.lock_);
	converted_ = std::move(other.converted_);
	return *this;
}

void Profile::add(std::span<const std::string> frames, uint64_t weight, WeightUnit unit)
{
	// The joined stack would be empty: nothing to show.
	if (frames.empty() || (frames.size() == 1 && frames[0].empty()))
		return;
	scratch_.clear();
	for (const auto &f : frames)
		scratch_.push_back(frames_.intern(f));
	add_ids(scratch_, weight, unit);
}

void Profile::add_folded(std::string_view stack, uint64_t weight, WeightUnit unit)
{
	if (stack.empty())
		return;
	scratch_.clear();
	for (size_t pos = 0;;) {
		size_t end = stack.find(';', pos);
		scratch_.push_back(frames_.intern(stack.substr(pos, end - pos)));
		if (end == std::string_view::npos)
			break;
		pos = end + 1;
	}
	add_ids(scratch_, weight, unit);
}

void Profile::merge(const Profile &other)
{
	std::vector<FrameId> mine(other.frames_.size(), FrameTable::none());
	std::vector<FrameId> ids;
	other.for_each_ids([&](std::span<const FrameId> theirs, uint64_t w) {
		ids.clear();
		for (FrameId id : theirs) {
			if (mine[id] == FrameTable::none())
				mine[id] = frames_.intern(other.frames_.name(id));
			ids.push_back(mine[id]);
		}
		add_ids(ids, w, WeightUnit::count);
	});
}

void Profile::add_ids(std::span<const FrameId> ids, uint64_t weight, WeightUnit unit)
{
	if (weight == 0)
		return;
	{
		std::lock_guard g(lock_);
		converted_.reset();
	}
	if ((stacks_.size() + 1) * 4 > index_.size() * 3)
		grow_index();
	uint64_t h = hash_ids(ids);
	size_t mask = index_.size() - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		if (index_[i] == 0) {
			auto [chunk, begin] = allocate_ids(ids.size());
			Stack s{.hash = h,
				.chunk = chunk,
				.begin = begin,
				.length = static_cast<uint32_t>(ids.size())};
			std::ranges::copy(ids, chunks_[chunk].ids.get() + begin);
			s.weight[static_cast<size_t>(unit)] = weight;
			stacks_.push_back(s);
			index_[i] = static_cast<uint32_t>(stacks_.size());
			return;
		}
		Stack &s = stacks_[index_[i] - 1];
		if (s.hash == h && std::ranges::equal(ids_of(s), ids)) {
			s.weight[static_cast<size_t>(unit)] += weight;
			return;
		}
	}
}

std::pair<uint32_t, uint32_t> Profile::allocate_ids(size_t n)
{
	if (chunks_.empty() || chunks_.back().size - chunks_.back().used < n) {
		// A stack longer than a chunk gets one of its own.
		auto size = static_cast<uint32_t>(std::max<size_t>(n, kChunkIds));
		chunks_.push_back({std::make_unique_for_overwrite<FrameId[]>(size), size, 0});
	}
	Chunk &c = chunks_.back();
	uint32_t begin = c.used;
	c.used += static_cast<uint32_t>(n);
	return {static_cast<uint32_t>(chunks_.size() - 1), begin};
}

void Profile::grow_index()
{
	std::vector<uint32_t> next(std::max<size_t>(64, index_.size() * 2), 0);
	size_t mask = next.size() - 1;
	for (uint32_t k = 0; k < stacks_.size(); k++) {
		size_t i = stacks_[k].hash & mask;
		while (next[i] != 0)
			i = (i + 1) & mask;
		next[i] = k + 1;
	}
	index_ = std::move(next);
}

// Byte order of the joined stacks, frame by frame: where two stacks first
// differ, the joined text goes on with ';' (or ends) after the shorter name.
bool Profile::before(const Stack &a, const Stack &b) const
{
	auto x = ids_of(a), y = ids_of(b);
	size_t n = std::min(x.size(), y.size());
	for (size_t i = 0; i < n; i++) {
		if (x[i] == y[i])
			continue;
		std::string_view p = frames_.name(x[i]), q = frames_.name(y[i]);
		size_t m = std::min(p.size(), q.size());
		if (int c = m ? std::memcmp(p.data(), q.data(), m) : 0; c != 0)
			return c < 0;
		auto next = [](std::span<const FrameId> s, size_t i, std::string_view name, size_t m) {
			// the byte after the common part, -1 where the text ends
			if (m < name.size())
				return static_cast<int>(static_cast<unsigned char>(name[m]));
			return i + 1 < s.size() ? static_cast<int>(';') : -1;
		};
		return next(x, i, p, m) < next(y, i, q, m);
	}
	return x.size() < y.size();
}

const Profile::Converted &Profile::converted() const
{
	// The caller holds lock_.
	if (converted_)
		return *converted_;
	auto c = std::make_unique<Converted>();
	c->samples.resize(stacks_.size());
	auto by_text = [this](uint32_t a, uint32_t b) { return before(stacks_[a], stacks_[b]); };
	for (size_t k = 0; k < stacks_.size(); k++)
		c->samples[k] = stacks_[k].weight[static_cast<size_t>(WeightUnit::count)];
	// Each timed layer is rounded on its own, its stacks in byte order, so
	// that ties (weights.hpp) do not depend on the order stacks came in.
	for (WeightUnit u : {WeightUnit::offcpu_ns, WeightUnit::gpu_ns}) {
		std::vector<uint32_t> timed;
		std::vector<uint64_t> ns;
		for (uint32_t k = 0; k < stacks_.size(); k++)
			if (stacks_[k].weight[static_cast<size_t>(u)])
				timed.push_back(k);
		std::sort(timed.begin(), timed.end(), by_text);
		for (uint32_t k : timed)
			ns.push_back(stacks_[k].weight[static_cast<size_t>(u)]);
		auto samples = ns_to_samples(ns, freq_);
		for (size_t i = 0; i < timed.size(); i++)
			c->samples[timed[i]] += samples[i];
	}
	for (uint32_t k = 0; k < stacks_.size(); k++)
		if (c->samples[k]) {
			c->order.push_back(k);
			c->total += c->samples[k];
		}
	std::sort(c->order.begin(), c->order.end(), by_text);
	converted_ = std::move(c);
	return *converted_;
}

uint64_t Profile::total() const
{
	std::lock_guard g(lock_);
	return converted().total;
}

size_t Profile::size() const
{
	std::lock_guard g(lock_);
	return converted().order.size();
}

void Profile::for_each_ids(const std::function<void(std::span<const FrameId>, uint64_t)> &fn) const
{
	std::vector<std::pair<uint32_t, uint64_t>> rows;
	{
		std::lock_guard g(lock_);
		const Converted &c = converted();
		rows.reserve(c.order.size());
		for (uint32_t k : c.order)
			rows.emplace_back(k, c.samples[k]);
	}
	for (const auto &[k, w] : rows)
		fn(ids_of(stacks_[k]), w);
}

void Profile::for_each(const std::function<void(std::string_view, uint64_t)> &fn) const
{
	std::string text;
	for_each_ids([&](std::span<const FrameId> ids, uint64_t w) {
		text.clear();
		for (size_t i = 0; i < ids.size(); i++) {
			if (i)
				text += ';';
			text += frames_.name(ids[i]);
		}
		fn(text, w);
	});
}

StackTree stack_tree(const Profile &p)
{
	StackTree tree;
	std::vector<FrameId> theirs(p.frames().size(), FrameTable::none());
	std::vector<FrameId> ids;
	p.for_each_ids([&](std::span<const FrameId> stack, uint64_t w) {
		ids.clear();
		for (FrameId id : stack) {
			if (theirs[id] == FrameTable::none())
				theirs[id] = tree.frames().intern(p.frames().name(id));
			ids.push_back(theirs[id]);
		}
		tree.add(ids, static_cast<double>(w));
	});
	return tree;
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
