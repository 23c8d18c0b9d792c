// The Symbolizer against live fixture processes (tests/fixtures/README.md):
// exact frame names for PIE, non-PIE, stripped and dlopen()ed code, inline
// frames, return-address lookups, JIT perf maps, and processes or files
// that are gone by the time their addresses are resolved.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fixture_process.hpp"
#include "helpers.hpp"
#include "symbolize/proc_maps.hpp"
#include "symbolize/symbolizer.hpp"

using namespace xpu;
using xpu::test::FixtureProcess;
using xpu::test::fixture_path;
using Frames = std::vector<std::string>;

namespace {

// One address as the sampled pc (looked up exactly).
Frames leaf(Symbolizer &s, const FixtureProcess &p, uint64_t addr)
{
	uint64_t ips[] = {addr};
	return s.user_stack(p.pid(), 0, ips);
}

// One address as a return address (looked up at addr-1): a caller frame
// under a leaf at plain_c_function, which is then dropped.
Frames caller(Symbolizer &s, const FixtureProcess &p, uint64_t ret)
{
	uint64_t ips[] = {p.addr("plain_c_function"), ret};
	Frames f = s.user_stack(p.pid(), 0, ips);
	REQUIRE(!f.empty());
	CHECK(f.back() == "plain_c_function");
	f.pop_back();
	return f;
}

// The end of the mapping that holds addr in process pid.
uint64_t mapping_end(pid_t pid, uint64_t addr)
{
	auto maps = read_proc_maps(pid);
	REQUIRE(maps);
	for (const Mapping &m : *maps)
		if (m.start <= addr && addr < m.end)
			return m.end;
	FAIL("no mapping holds " << addr);
	return 0;
}

void check_program_names(const std::string &exe)
{
	FixtureProcess p(fixture_path(exe));
	Symbolizer s;
	REQUIRE(s.snapshot(p.pid(), 0));
	CHECK(leaf(s, p, p.addr("plain_c_function")) == Frames{"plain_c_function"});
	CHECK(leaf(s, p, p.addr("twice_int")) == Frames{"int twice<int>(int)"});
	CHECK(leaf(s, p, p.addr("widget_poke")) == Frames{"fixture::Widget::poke(int) const"});
	CHECK(leaf(s, p, p.addr("lib_function")) == Frames{"fixture_lib_function"});
	// A whole stack comes out root first.
	uint64_t ips[] = {p.addr("plain_c_function") + 2, p.addr("widget_poke") + 1,
			  p.addr("twice_int") + 1};
	CHECK(s.user_stack(p.pid(), 0, ips) == Frames{"int twice<int>(int)",
	                                              "fixture::Widget::poke(int) const",
	                                              "plain_c_function"});
	// The last byte of the code mapping: page padding past all functions.
	uint64_t pad = mapping_end(p.pid(), p.addr("plain_c_function")) - 1;
	CHECK(leaf(s, p, pad) == Frames{"[" + exe + "]"});
}

}  // namespace

TEST_CASE("symbolizer: PIE executable names C, template and method frames", "[symbolizer]")
{
	check_program_names("symbols_pie");
}

TEST_CASE("symbolizer: non-PIE executable", "[symbolizer]")
{
	check_program_names("symbols_nopie");
}

TEST_CASE("symbolizer: stripped executable resolves through .dynsym", "[symbolizer]")
{
	check_program_names("symbols_stripped");
}

TEST_CASE("symbolizer: mangled names stay mangled with demangling off", "[symbolizer]")
{
	FixtureProcess p(fixture_path("symbols_pie"));
	Symbolizer s({.inlines = false, .demangle = false});
	REQUIRE(s.snapshot(p.pid(), 0));
	CHECK(leaf(s, p, p.addr("twice_int")) == Frames{"_Z5twiceIiET_S0_"});
	CHECK(leaf(s, p, p.addr("plain_c_function")) == Frames{"plain_c_function"});
}

TEST_CASE("symbolizer: dlopen()ed library at a random address", "[symbolizer]")
{
	FixtureProcess p(fixture_path("symbols_pie"));
	Symbolizer s;
	REQUIRE(s.snapshot(p.pid(), 0));
	CHECK(leaf(s, p, p.addr("lib_function")) == Frames{"fixture_lib_function"});
	CHECK(caller(s, p, p.addr("lib_function") + 4) == Frames{"fixture_lib_function"});
	// Mapped (the ELF header page) but not inside any function.
	CHECK(leaf(s, p, p.addr("lib_header")) == Frames{"[libfixture.so]"});
}

TEST_CASE("symbolizer: a second snapshot adds a library loaded since", "[symbolizer]")
{
	FixtureProcess p(fixture_path("symbols_pie"), /*lazy=*/true);
	Symbolizer s;
	REQUIRE(s.snapshot(p.pid(), 0));
	REQUIRE(!p.has("lib_function"));
	p.load_library();
	CHECK(leaf(s, p, p.addr("lib_function")) == Frames{"[unknown]"});
	REQUIRE(s.snapshot(p.pid(), 0));
	CHECK(leaf(s, p, p.addr("lib_function")) == Frames{"fixture_lib_function"});
	CHECK(leaf(s, p, p.addr("plain_c_function")) == Frames{"plain_c_function"});
}

TEST_CASE("symbolizer: inline frames", "[symbolizer]")
{
	FixtureProcess p(fixture_path("symbols_pie"));
	uint64_t ret = p.addr("inline_return");  // inside inlined_helper's code

	SECTION("on: the inlined callee follows its caller, suffixed _[i]") {
		Symbolizer s({.inlines = true});
		REQUIRE(s.snapshot(p.pid(), 0));
		CHECK(caller(s, p, ret) ==
		      Frames{"fixture::inline_caller(int)", "fixture::inlined_helper(int)_[i]"});
		// A frame outside any inlined code gets no extra frame.
		CHECK(leaf(s, p, p.addr("inline_caller")) == Frames{"fixture::inline_caller(int)"});
	}
	SECTION("off: only the function the code is in") {
		Symbolizer s;
		REQUIRE(s.snapshot(p.pid(), 0));
		CHECK(caller(s, p, ret) == Frames{"fixture::inline_caller(int)"});
	}
	SECTION("stripped: no DWARF, so no inline frames, and no failure") {
		FixtureProcess q(fixture_path("symbols_stripped"));
		Symbolizer s({.inlines = true});
		REQUIRE(s.snapshot(q.pid(), 0));
		CHECK(caller(s, q, q.addr("inline_return")) ==
		      Frames{"fixture::inline_caller(int)"});
	}
}

TEST_CASE("symbolizer: return addresses are looked up at ip-1", "[symbolizer]")
{
	FixtureProcess p(fixture_path("symbols_pie"));
	Symbolizer s;
	REQUIRE(s.snapshot(p.pid(), 0));
	// ends_with_call's last instruction is a call, so its return address is
	// the first byte past the function.
	uint64_t ret = p.addr("end_return");
	CHECK(caller(s, p, ret) == Frames{"ends_with_call"});
	// The same address taken as an exact pc is not in ends_with_call: the
	// fixture really puts the return address past the function's end.
	CHECK(leaf(s, p, ret) != Frames{"ends_with_call"});
}

TEST_CASE("symbolizer: a process that exited after its snapshot still resolves",
	  "[symbolizer]")
{
	FixtureProcess p(fixture_path("symbols_pie"));
	Symbolizer s;
	REQUIRE(s.snapshot(p.pid(), 0));
	REQUIRE(p.finish() == 0);
	REQUIRE(access(("/proc/" + std::to_string(p.pid())).c_str(), F_OK) != 0);
	CHECK(leaf(s, p, p.addr("plain_c_function")) == Frames{"plain_c_function"});
	CHECK(leaf(s, p, p.addr("lib_function")) == Frames{"fixture_lib_function"});
	CHECK(leaf(s, p, p.addr("jit")) == Frames{"Ljava/lang/Thread:::run [jitted]"});
	CHECK_FALSE(s.snapshot(p.pid(), 0));  // gone; the old snapshot is kept
	CHECK(leaf(s, p, p.addr("twice_int")) == Frames{"int twice<int>(int)"});
}

TEST_CASE("symbolizer: a file deleted and replaced after the snapshot still resolves",
	  "[symbolizer]")
{
	namespace fs = std::filesystem;
	fs::path dir = fs::temp_directory_path() / ("xpu-perf-symtest-" + std::to_string(getpid()));
	fs::create_directories(dir);
	fs::path exe = dir / "replaced_exe";
	fs::copy_file(fixture_path("symbols_pie"), exe, fs::copy_options::overwrite_existing);
	{
		FixtureProcess p(exe.string());
		Symbolizer s;
		REQUIRE(s.snapshot(p.pid(), 0));
		// A different program at the same path: reading it by path would
		// give the wrong names (or none) for the running one's addresses.
		fs::remove(exe);
		fs::copy_file(fixture_path("symbols_nopie"), exe);
		CHECK(leaf(s, p, p.addr("plain_c_function")) == Frames{"plain_c_function"});
		CHECK(leaf(s, p, p.addr("widget_poke")) ==
		      Frames{"fixture::Widget::poke(int) const"});
		// And a later snapshot, when maps say "(deleted)", still does.
		Symbolizer t;
		REQUIRE(t.snapshot(p.pid(), 0));
		CHECK(leaf(t, p, p.addr("twice_int")) == Frames{"int twice<int>(int)"});
	}
	fs::remove_all(dir);
}

TEST_CASE("symbolizer: JIT code through /tmp/perf-PID.map", "[symbolizer]")
{
	FixtureProcess p(fixture_path("symbols_pie"));
	Symbolizer s;
	REQUIRE(s.snapshot(p.pid(), 0));
	// The name has a ';' in it, which folded stacks cannot carry.
	CHECK(leaf(s, p, p.addr("jit")) == Frames{"Ljava/lang/Thread:::run [jitted]"});
	CHECK(leaf(s, p, p.addr("jit_unnamed")) == Frames{"[unknown]"});
}

TEST_CASE("symbolizer: unknown addresses and processes", "[symbolizer]")
{
	FixtureProcess p(fixture_path("symbols_pie"));
	Symbolizer s;
	REQUIRE(s.snapshot(p.pid(), 0));
	CHECK(leaf(s, p, 0x10) == Frames{"[unknown]"});
	uint64_t ips[] = {p.addr("plain_c_function")};
	CHECK(s.user_stack(p.pid(), 1, ips) == Frames{"[unknown]"});  // gen never snapshotted
	CHECK(s.user_stack(p.pid() + 1000000, 0, ips) == Frames{"[unknown]"});
	// Stack-id maps pad with zeros: the first 0 ends the stack.
	uint64_t padded[] = {p.addr("plain_c_function"), p.addr("twice_int") + 1, 0, 0};
	CHECK(s.user_stack(p.pid(), 0, padded) ==
	      Frames{"int twice<int>(int)", "plain_c_function"});
	CHECK(s.user_stack(p.pid(), 0, {}).empty());
}

TEST_CASE("symbolizer: a forked child resolves with its parent's maps", "[symbolizer]")
{
	FixtureProcess p(fixture_path("symbols_pie"));
	Symbolizer s;
	REQUIRE(s.snapshot(p.pid(), 0));
	pid_t child = p.pid() + 1000000, grandchild = p.pid() + 2000000;  // never snapshotted
	s.inherit(child, 5, p.pid(), 0);
	s.inherit(grandchild, 9, child, 5);
	uint64_t ips[] = {p.addr("plain_c_function")};
	CHECK(s.user_stack(child, 5, ips) == Frames{"plain_c_function"});
	CHECK(s.user_stack(grandchild, 9, ips) == Frames{"plain_c_function"});
	// After an exec the child has a new address space of its own.
	CHECK(s.user_stack(child, 6, ips) == Frames{"[unknown]"});
}

TEST_CASE("symbolizer: exited processes are forgotten, after the children that link to them",
	  "[symbolizer]")
{
	FixtureProcess p(fixture_path("symbols_pie"));
	Symbolizer s;
	REQUIRE(s.snapshot(p.pid(), 0));
	REQUIRE(s.snapshot(p.pid(), 1));  // after an exec
	pid_t child = p.pid() + 1000000;  // never snapshotted
	s.inherit(child, 5, p.pid(), 1);
	using Spaces = std::vector<std::pair<pid_t, uint32_t>>;
	CHECK(s.address_spaces(p.pid()) == Spaces{{p.pid(), 0}, {p.pid(), 1}});
	CHECK(s.address_spaces(child) == Spaces{{child, 5}});
	uint64_t ips[] = {p.addr("plain_c_function")};
	s.forget(p.pid(), 0);
	s.forget(p.pid(), 1);
	CHECK(s.stats().processes == 1);  // gen 1 stays: the child resolves through it
	CHECK(s.user_stack(p.pid(), 0, ips) == Frames{"[unknown]"});
	CHECK(s.user_stack(child, 5, ips) == Frames{"plain_c_function"});
	s.forget(child, 5);
	CHECK(s.stats().processes == 0);
	CHECK(s.address_spaces(p.pid()).empty());
	CHECK(s.user_stack(child, 5, ips) == Frames{"[unknown]"});
	CHECK(s.stats().files >= 3);  // files stay cached for other processes
}

TEST_CASE("symbolizer: processes share files, and stats count frames", "[symbolizer]")
{
	FixtureProcess a(fixture_path("symbols_pie"));
	FixtureProcess b(fixture_path("symbols_pie"));
	Symbolizer s;
	REQUIRE(s.snapshot(a.pid(), 0));
	uint64_t files = s.stats().files;
	CHECK(files >= 3);  // the fixture, libfixture.so, libc at least
	REQUIRE(s.snapshot(b.pid(), 0));
	CHECK(s.stats().files == files);
	CHECK(s.stats().processes == 2);
	// The same function at (most likely) different addresses in each.
	CHECK(leaf(s, b, b.addr("lib_function")) == Frames{"fixture_lib_function"});
	CHECK(leaf(s, a, a.addr("lib_function")) == Frames{"fixture_lib_function"});
	leaf(s, a, 0x10);
	leaf(s, a, a.addr("lib_header"));
	SymbolizeStats st = s.stats();
	CHECK(st.frames == 4);
	CHECK(st.unknown_frames == 2);
}

TEST_CASE("symbolizer: the vDSO", "[symbolizer]")
{
	FixtureProcess p(fixture_path("symbols_pie"));
	Symbolizer s;
	REQUIRE(s.snapshot(p.pid(), 0));
	auto vdso = xpu::test::vdso_function(p.pid());
	REQUIRE(vdso);
	CHECK(leaf(s, p, vdso->first) == Frames{vdso->second});
}
