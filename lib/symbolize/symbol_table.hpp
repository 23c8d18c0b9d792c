// A sorted table of function symbols with binary-search lookup. Kept apart
// from ELF reading so that its rules (sizes, aliases, zero-size symbols)
// are testable on their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xpu {

struct ElfSymbol {
	uint64_t start = 0;
	uint64_t end = 0;  // one past the last address the symbol covers
	std::string_view name;
	bool sized = true;  // false: `end` is a guess (the next symbol)
};

class SymbolTable {
public:
	enum class Bind : uint8_t { global = 0, weak = 1, local = 2 };

	// Adds a symbol. `limit` bounds a zero-size symbol (the end of its
	// section; 0 when unknown).
	void add(uint64_t start, uint64_t size, uint64_t limit, std::string_view name, Bind bind);

	// Sorts, picks one name per address and computes ends. Call once after
	// the last add() and before lookup().
	void finish();

	// The symbol covering addr. A sized symbol covers [start, start+size);
	// a zero-size one (hand-written assembly often has no .size) covers up
	// to the next symbol or its limit.
	std::optional<ElfSymbol> lookup(uint64_t addr) const;

	// The symbol named `name`, by a linear scan (for tests and tools, not
	// for symbolizing). Of aliases at one address only the kept one is found.
	std::optional<ElfSymbol> find(std::string_view name) const;

	size_t size() const { return syms_.size(); }

private:
	struct Sym {
		uint64_t start;
		uint64_t size;
		uint64_t end;  // limit until finish(), then the covered end
		uint32_t name_off;
		uint32_t name_len;
		Bind bind;
	};
	std::string_view name(const Sym &s) const
	{
		return {names_.data() + s.name_off, s.name_len};
	}
	bool better(const Sym &a, const Sym &b) const;

	std::vector<Sym> syms_;
	std::string names_;  // all names back to back; Sym points into it
};

}  // namespace xpu
