#include "symbolize/symbol_table.hpp"

#include <algorithm>
#include <limits>

namespace xpu {

namespace {

size_t leading_underscores(std::string_view s)
{
	size_t n = 0;
	while (n < s.size() && s[n] == '_')
		n++;
	return n;
}

}  // namespace

void SymbolTable::add(uint64_t start, uint64_t size, uint64_t limit, std::string_view n,
		      Bind bind)
{
	if (n.empty() || names_.size() + n.size() > std::numeric_limits<uint32_t>::max())
		return;
	syms_.push_back(Sym{start, size, limit, static_cast<uint32_t>(names_.size()),
			    static_cast<uint32_t>(n.size()), bind});
	names_.append(n);
}

// Among aliases at one address (libc has malloc and __libc_malloc, C++
// constructors come as C1 and C2), show the name a person would write: a
// sized symbol over a label, global over weak over local, the fewest
// leading underscores; then the first by name, so that the choice does not
// depend on table order.
bool SymbolTable::better(const Sym &a, const Sym &b) const
{
	if ((a.size != 0) != (b.size != 0))
		return a.size != 0;
	if (a.bind != b.bind)
		return a.bind < b.bind;
	size_t ua = leading_underscores(name(a)), ub = leading_underscores(name(b));
	if (ua != ub)
		return ua < ub;
	return name(a) < name(b);
}

void SymbolTable::finish()
{
	std::sort(syms_.begin(), syms_.end(), [this](const Sym &a, const Sym &b) {
		return a.start != b.start ? a.start < b.start : better(a, b);
	});
	auto dup = std::unique(syms_.begin(), syms_.end(),
			       [](const Sym &a, const Sym &b) { return a.start == b.start; });
	syms_.erase(dup, syms_.end());
	for (size_t i = 0; i < syms_.size(); i++) {
		Sym &s = syms_[i];
		if (s.size != 0) {
			s.end = s.start + s.size;
			continue;
		}
		uint64_t next = i + 1 < syms_.size() ? syms_[i + 1].start
						     : std::numeric_limits<uint64_t>::max();
		s.end = s.end > s.start ? std::min(next, s.end) : next;
	}
	syms_.shrink_to_fit();
}

std::optional<ElfSymbol> SymbolTable::lookup(uint64_t addr) const
{
	auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
				   [](uint64_t a, const Sym &s) { return a < s.start; });
	if (it == syms_.begin())
		return std::nullopt;
	--it;
	if (addr >= it->end)
		return std::nullopt;
	return ElfSymbol{it->start, it->end, name(*it), it->size != 0};
}

std::optional<ElfSymbol> SymbolTable::find(std::string_view n) const
{
	for (const Sym &s : syms_)
		if (name(s) == n)
			return ElfSymbol{s.start, s.end, n, s.size != 0};
	return std::nullopt;
}

}  // namespace xpu
