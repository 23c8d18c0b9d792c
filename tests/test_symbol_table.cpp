// SymbolTable's rules, on hand-made symbols.
#include <catch2/catch.hpp>

#include "symbolize/symbol_table.hpp"

using namespace xpu;
using Bind = SymbolTable::Bind;

namespace {

std::string name_at(const SymbolTable &t, uint64_t addr)
{
	auto s = t.lookup(addr);
	return s ? std::string(s->name) : "-";
}

}  // namespace

TEST_CASE("symbol table: sizes bound sized symbols", "[symbolizer][symbol_table]")
{
	SymbolTable t;
	t.add(0x2000, 0x10, 0, "b", Bind::global);  // added out of order
	t.add(0x1000, 0x20, 0, "a", Bind::global);
	t.finish();
	CHECK(name_at(t, 0xfff) == "-");
	CHECK(name_at(t, 0x1000) == "a");
	CHECK(name_at(t, 0x101f) == "a");
	CHECK(name_at(t, 0x1020) == "-");  // padding after a
	CHECK(name_at(t, 0x2000) == "b");
	CHECK(name_at(t, 0x2010) == "-");
	CHECK(t.lookup(0x1005)->start == 0x1000);
	CHECK(t.lookup(0x1005)->end == 0x1020);
}

TEST_CASE("symbol table: a zero-size symbol runs to the next one or its section end",
	  "[symbolizer][symbol_table]")
{
	SymbolTable t;
	t.add(0x1000, 0, 0x5000, "asm_label", Bind::global);
	t.add(0x1800, 0x10, 0x5000, "sized", Bind::global);
	t.add(0x3000, 0, 0x3100, "last_label", Bind::local);
	t.finish();
	CHECK(name_at(t, 0x17ff) == "asm_label");
	CHECK_FALSE(t.lookup(0x1000)->sized);
	CHECK(t.lookup(0x1800)->sized);
	CHECK(name_at(t, 0x1800) == "sized");
	CHECK(name_at(t, 0x30ff) == "last_label");
	CHECK(name_at(t, 0x3100) == "-");  // past its section
}

TEST_CASE("symbol table: one name per address, chosen by rank", "[symbolizer][symbol_table]")
{
	SymbolTable t;
	t.add(0x1000, 0x10, 0, "__libc_malloc", Bind::global);
	t.add(0x1000, 0x10, 0, "malloc", Bind::global);
	t.add(0x1000, 0x10, 0, "malloc_local", Bind::local);
	t.add(0x2000, 0x10, 0, "weak_alias", Bind::weak);
	t.add(0x2000, 0x10, 0, "strong", Bind::global);
	t.add(0x3000, 0, 0, "label", Bind::global);
	t.add(0x3000, 0x8, 0, "sized_local", Bind::local);
	t.finish();
	CHECK(t.size() == 3);
	CHECK(name_at(t, 0x1000) == "malloc");
	CHECK(name_at(t, 0x2000) == "strong");
	CHECK(name_at(t, 0x3000) == "sized_local");
	CHECK(name_at(t, 0x3008) == "-");  // the sized alias's size applies
	CHECK(t.find("malloc")->start == 0x1000);
	CHECK_FALSE(t.find("__libc_malloc"));  // dropped alias
}

TEST_CASE("symbol table: empty", "[symbolizer][symbol_table]")
{
	SymbolTable t;
	t.finish();
	CHECK(name_at(t, 0) == "-");
	CHECK(name_at(t, ~0ull) == "-");
}
