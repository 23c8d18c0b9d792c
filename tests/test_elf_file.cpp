// ElfFile on the built fixtures: which table symbols come from, segment
// translation, DWARF names and inline chains, separate debug files.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "fixture_process.hpp"
#include "symbolize/elf_file.hpp"

using namespace xpu;
using xpu::test::fixture_path;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<ElfFile> open_fixture(const std::string &name,
				      const std::string &debug_root = ElfFile::default_debug_root)
{
	auto f = ElfFile::open_path(fixture_path(name), debug_root);
	INFO(name << ": " << (f ? "" : f.error().msg));
	REQUIRE(f);
	return std::move(*f);
}

// A temporary /usr/lib/debug look-alike holding symbols_split.debug under
// .build-id/xx/rest.debug; removed at destruction.
struct DebugRoot {
	fs::path dir;
	explicit DebugRoot(const std::string &build_id)
		: dir(fs::temp_directory_path() / ("xpu-perf-debug-" + std::to_string(getpid())))
	{
		fs::path sub = dir / ".build-id" / build_id.substr(0, 2);
		fs::create_directories(sub);
		fs::copy_file(fixture_path("symbols_split.debug"),
			      sub / (build_id.substr(2) + ".debug"),
			      fs::copy_options::overwrite_existing);
	}
	~DebugRoot() { fs::remove_all(dir); }
};

// Whether some address in [sym.start, sym.end) lies in inlined code of
// `callee` directly inside `fn` (raw names).
bool has_inlined_call(ElfFile &f, const ElfSymbol &sym, const std::string &fn,
		      const std::string &callee)
{
	for (uint64_t a = sym.start; a < sym.end; a++) {
		RawFrames frames;
		if (f.frames_at(a, true, frames) && frames.inlined == std::vector{callee}) {
			CHECK(frames.function == fn);
			return true;
		}
	}
	return false;
}

bool has_inlined_call(ElfFile &f, const std::string &fn, const std::string &callee)
{
	auto sym = f.find_symbol(fn);
	REQUIRE(sym);
	return has_inlined_call(f, *sym, fn, callee);
}

}  // namespace

TEST_CASE("elf: build-id, .symtab and lookups respect sizes", "[symbolizer][elf]")
{
	auto f = open_fixture("symbols_pie");
	CHECK(f->build_id().size() == 40);
	CHECK(f->build_id().find_first_not_of("0123456789abcdef") == std::string::npos);
	CHECK(std::string(f->symbol_source()) == ".symtab");
	auto sym = f->find_symbol("plain_c_function");
	REQUIRE(sym);
	CHECK(f->symbol_at(sym->start)->name == "plain_c_function");
	CHECK(f->symbol_at(sym->end - 1)->name == "plain_c_function");
	auto after = f->symbol_at(sym->end);
	CHECK((!after || after->name != "plain_c_function"));
	CHECK(f->find_symbol("_ZL15print_addressesv"));  // a local (static) function
}

TEST_CASE("elf: file offsets translate through PT_LOAD", "[symbolizer][elf]")
{
	// Non-PIE: linked at 0x400000, text segment at file offset = vaddr - base.
	auto f = open_fixture("symbols_nopie");
	auto sym = f->find_symbol("plain_c_function");
	REQUIRE(sym);
	CHECK(f->offset_to_vaddr(sym->start - 0x400000) == sym->start);
	// PIE: linked at 0, so offsets and addresses of code agree.
	auto g = open_fixture("symbols_pie");
	auto gsym = g->find_symbol("plain_c_function");
	REQUIRE(gsym);
	CHECK(g->offset_to_vaddr(gsym->start) == gsym->start);
	CHECK_FALSE(g->offset_to_vaddr(1ull << 40));
}

TEST_CASE("elf: stripped file uses .dynsym and has no DWARF", "[symbolizer][elf]")
{
	auto f = open_fixture("symbols_stripped");
	CHECK(std::string(f->symbol_source()) == ".dynsym");
	CHECK(f->find_symbol("plain_c_function"));
	CHECK_FALSE(f->find_symbol("_ZL15print_addressesv"));  // locals are not exported
	CHECK_FALSE(f->has_dwarf());
}

TEST_CASE("elf: inline chains from DWARF", "[symbolizer][elf]")
{
	auto f = open_fixture("symbols_pie");
	CHECK(f->has_dwarf());
	CHECK(
	    has_inlined_call(*f, "_ZN7fixture13inline_callerEi", "_ZN7fixture14inlined_helperEi"));
	// With inlines off, frames_at gives the function alone.
	auto sym = f->find_symbol("_ZN7fixture13inline_callerEi");
	for (uint64_t a = sym->start; a < sym->end; a++) {
		RawFrames frames;
		REQUIRE(f->frames_at(a, false, frames));
		REQUIRE(frames.inlined.empty());
	}
}

TEST_CASE("elf: names from DWARF where .symtab has none", "[symbolizer][elf]")
{
	auto pie = open_fixture("symbols_pie");
	auto f = open_fixture("symbols_nosym");  // symbols_pie minus two symbols
	auto plain = pie->find_symbol("plain_c_function");
	auto twice = pie->find_symbol("_Z5twiceIiET_S0_");
	REQUIRE(plain);
	REQUIRE(twice);
	// The zero-size frame_dummy before it would claim it; DWARF knows better.
	auto guess = f->symbol_at(plain->start + 1);
	CHECK((!guess || !guess->sized));
	RawFrames frames;
	REQUIRE(f->frames_at(plain->start + 1, false, frames));
	CHECK(frames.function == "plain_c_function");
	REQUIRE(f->frames_at(twice->start, false, frames));
	CHECK(frames.function == "_Z5twiceIiET_S0_");  // DW_AT_linkage_name
	// The caller of inlined code and the inlined call, both from DWARF
	// alone (above an inlined call, the lexical scopes lead to the callee's
	// definition, not to its caller: the chain must follow the DIE tree).
	auto caller = pie->find_symbol("_ZN7fixture13inline_callerEi");
	REQUIRE(caller);
	REQUIRE_FALSE(f->find_symbol("_ZN7fixture13inline_callerEi"));
	CHECK(has_inlined_call(*f, *caller, "_ZN7fixture13inline_callerEi",
			       "_ZN7fixture14inlined_helperEi"));
}

TEST_CASE("elf: separate debug file found by build-id", "[symbolizer][elf]")
{
	std::string id = open_fixture("symbols_split")->build_id();
	REQUIRE(id.size() == 40);

	SECTION("absent: .dynsym only, no DWARF, no failure") {
		auto f = open_fixture("symbols_split", "/nonexistent");
		CHECK(f->symbol_count() == 0);  // not -rdynamic: nothing exported
		CHECK_FALSE(f->has_dwarf());
	}
	SECTION("present: its .symtab and DWARF are used") {
		DebugRoot root(id);
		auto f = open_fixture("symbols_split", root.dir.string());
		CHECK(std::string(f->symbol_source()) == "debug .symtab");
		CHECK(f->find_symbol("_ZL15print_addressesv"));
		CHECK(f->has_dwarf());
		CHECK(has_inlined_call(*f, "_ZN7fixture13inline_callerEi",
				       "_ZN7fixture14inlined_helperEi"));
	}
}

TEST_CASE("elf: files that are not ELF fail cleanly", "[symbolizer][elf]")
{
	fs::path p = fs::temp_directory_path() / ("xpu-perf-notelf-" + std::to_string(getpid()));
	std::ofstream(p) << "#!/bin/sh\necho not an ELF file\n";
	auto f = ElfFile::open_path(p.string());
	CHECK_FALSE(f);
	fs::remove(p);
	CHECK_FALSE(ElfFile::open_path("/nonexistent/file"));
	char junk[64] = {0x7f, 'E', 'L', 'F'};
	CHECK_FALSE(ElfFile::open_memory(junk, "junk"));
}
