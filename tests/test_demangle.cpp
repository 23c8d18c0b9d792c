// C++ demangling and frame-name hygiene.
#include <catch2/catch.hpp>

#include "symbolize/demangle.hpp"

using namespace xpu;

TEST_CASE("demangle: full signatures, as perf shows them", "[demangle]")
{
	CHECK(demangle("_Z5twiceIiET_S0_") == "int twice<int>(int)");
	CHECK(demangle("_ZNK7fixture6Widget4pokeEi") == "fixture::Widget::poke(int) const");
	CHECK(demangle("_ZNSt6vectorIiSaIiEE9push_backERKi") ==
	      "std::vector<int, std::allocator<int> >::push_back(int const&)");
	CHECK(demangle("_ZN12_GLOBAL__N_13fooEv") == "(anonymous namespace)::foo()");
	CHECK(demangle("_ZL15print_addressesv") == "print_addresses()");
}

TEST_CASE("demangle: anything else comes back unchanged", "[demangle]")
{
	CHECK(demangle("main") == "main");
	CHECK(demangle("i") == "i");  // a valid mangled *type*, but not a _Z name
	CHECK(demangle("_Z") == "_Z");
	CHECK(demangle("_Zgarbage") == "_Zgarbage");
	CHECK(demangle("") == "");
	CHECK(demangle("[unknown]") == "[unknown]");
}

TEST_CASE("demangle: frame names never carry folded separators", "[demangle]")
{
	std::string s = "Ljava/lang/Thread;::run\nline2\r";
	make_frame_safe(s);
	CHECK(s == "Ljava/lang/Thread:::run line2 ");
	std::string ok = "int twice<int>(int)";
	make_frame_safe(ok);
	CHECK(ok == "int twice<int>(int)");
}
