// Lookup cost, not a pass/fail test: hidden, run it by name with
//   build/xpu-perf-tests '[.symbolizer-bench]'
// Resolves 100k addresses in this process's libc and in this test binary's
// own code (which has DWARF, for inline chains): the ElfFile lookup alone,
// then the Symbolizer cold (every address new) and warm (all cached).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>

#include <catch2/catch.hpp>

#include "symbolize/elf_file.hpp"
#include "symbolize/proc_maps.hpp"
#include "symbolize/symbolizer.hpp"

using namespace xpu;

namespace {

double since(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The executable mapping of the file whose path ends with `suffix`.
Mapping text_mapping(const std::string &suffix)
{
	auto maps = read_proc_maps(getpid());
	REQUIRE(maps);
	for (const Mapping &m : *maps)
		if (m.executable() && m.path.ends_with(suffix))
			return m;
	FAIL("no executable mapping of " << suffix);
	return {};
}

// Nanoseconds per address of f over v.
template <class F>
double per_addr(const std::vector<uint64_t> &v, F f)
{
	auto t0 = std::chrono::steady_clock::now();
	for (uint64_t a : v)
		f(a);
	return since(t0) / v.size() * 1e9;
}

void bench(const std::string &suffix, bool inlines)
{
	constexpr size_t n = 100000;
	const pid_t pid = getpid();  // a system call: keep it out of the loops
	Mapping m = text_mapping(suffix);
	std::mt19937_64 rng(42);
	std::vector<uint64_t> addrs(n), hot(n);
	for (uint64_t &a : addrs)
		a = m.start + rng() % (m.end - m.start);
	for (size_t i = 0; i < n; i++)  // 1000 distinct addresses, 100 times each
		hot[i] = addrs[rng() % 1000];

	// Without the cache: ElfFile itself, once its tables are loaded.
	auto elf = ElfFile::open_path(m.path);
	REQUIRE(elf);
	auto lookup = [&](uint64_t a) {
		RawFrames f;
		auto vaddr = (*elf)->offset_to_vaddr(a - m.start + m.offset);
		return vaddr && (*elf)->frames_at(*vaddr, inlines, f);
	};
	double first = per_addr(addrs, lookup);
	double uncached = per_addr(addrs, lookup);

	// With it: the Symbolizer, one frame per call.
	Symbolizer s({.inlines = inlines});
	auto t0 = std::chrono::steady_clock::now();
	REQUIRE(s.snapshot(pid, 0));
	double snap = since(t0);
	auto resolve = [&](uint64_t a) { s.user_stack(pid, 0, {&a, 1}); };
	double cold = per_addr(addrs, resolve);
	double warm = per_addr(addrs, resolve);
	Symbolizer h({.inlines = inlines});
	REQUIRE(h.snapshot(pid, 0));
	auto resolve_hot = [&](uint64_t a) { h.user_stack(pid, 0, {&a, 1}); };
	double hot_cold = per_addr(hot, resolve_hot);
	double hot_warm = per_addr(hot, resolve_hot);

	std::printf("%s, inlines %s, %zu random addresses (%zu symbols from %s):\n"
		    "  ElfFile::frames_at (no cache): first pass %.0f ns/addr (loads tables), "
		    "then %.0f ns/addr\n"
		    "  Symbolizer::user_stack: snapshot %.1f ms; first pass %.0f ns/addr, "
		    "cached %.0f ns/addr; 1000 hot addresses x100: %.0f ns/addr, cached %.0f\n",
		    suffix.c_str(), inlines ? "on" : "off", n, (*elf)->symbol_count(),
		    (*elf)->symbol_source(), first, uncached, snap * 1e3, cold, warm, hot_cold,
		    hot_warm);
}

}  // namespace

TEST_CASE("symbolizer: lookup cost", "[.symbolizer-bench]")
{
	bench("/libc.so.6", false);
	bench("/xpu-perf-tests", false);
	bench("/xpu-perf-tests", true);
}
