#include "symbolize/ksyms.hpp"

#include <algorithm>
#include <charconv>

#include "symbolize/proc_maps.hpp"
#include "base/lines.hpp"

namespace xpu {

namespace {

bool is_text_type(char t)
{
	return t == 't' || t == 'T' || t == 'w' || t == 'W';
}

// One line: "ffffffff81000000 T _stext" or "ffffffffc0a01000 t fn\t[mod]".
bool parse_line(std::string_view s, uint64_t &addr, char &type, std::string_view &name)
{
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), addr, 16);
	if (ec != std::errc() || p == s.data())
		return false;
	s.remove_prefix(p - s.data());
	if (s.size() < 4 || s[0] != ' ' || s[2] != ' ')
		return false;
	type = s[1];
	s.remove_prefix(3);
	name = s.substr(0, s.find_first_of(" \t"));
	return !name.empty();
}

}  // namespace

Ksyms Ksyms::parse(std::string_view text)
{
	Ksyms k;
	while (!text.empty()) {
		std::string_view line = next_line(text);
		uint64_t addr = 0;
		char type = 0;
		std::string_view name;
		if (!parse_line(line, addr, type, name) || addr == 0 || !is_text_type(type))
			continue;
		k.syms_.push_back(Sym{addr, std::string(name)});
	}
	// Several names often share an address (_text, _stext, aliases): keep
	// the first in file order, which is the kernel's own choice of order.
	std::stable_sort(k.syms_.begin(), k.syms_.end(),
			 [](const Sym &a, const Sym &b) { return a.addr < b.addr; });
	auto dup = std::unique(k.syms_.begin(), k.syms_.end(),
			       [](const Sym &a, const Sym &b) { return a.addr == b.addr; });
	k.syms_.erase(dup, k.syms_.end());
	return k;
}

Result<Ksyms> Ksyms::load()
{
	auto text = read_text_file("/proc/kallsyms");
	if (!text)
		return std::unexpected(text.error());
	return parse(*text);
}

const std::string *Ksyms::lookup(uint64_t addr) const
{
	auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
				   [](uint64_t a, const Sym &s) { return a < s.addr; });
	if (it == syms_.begin())
		return nullptr;
	return &std::prev(it)->name;
}

}  // namespace xpu
