// The injector embedded in xpu-perf (lib/gpu/injector_blob) and the dynamic
// interface of the two libraries built from cupti-injector/: the exports the
// profiler and CUDA rely on, and nothing else.
#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "gpu/injector_blob.hpp"

using namespace xpu;

namespace {

// Names of the defined dynamic symbols of `path`, as `nm -D` lists them.
std::set<std::string> dynamic_exports(const std::string &path)
{
	auto r = test::run({"/usr/bin/nm", "-D", "--defined-only", path});
	REQUIRE(r.exit_code == 0);
	std::set<std::string> names;
	std::istringstream in(r.out);
	for (std::string line; std::getline(in, line);) {
		auto sp = line.rfind(' ');
		if (sp != std::string::npos)
			names.insert(line.substr(sp + 1));
	}
	return names;
}

}  // namespace

TEST_CASE("launch hook fixture exports the hook and nothing else", "[injector]")
{
	// Built on every machine, CUDA or not: the eBPF tests attach to it.
	auto path = test::build_dir() + "/fixtures/libxpu_launch_hook.so";
	REQUIRE(!test::read_file(path).empty());
	CHECK(dynamic_exports(path) == std::set<std::string>{"xpu_perf_launch_hook"});
}

#ifdef XPU_HAVE_CUPTI

TEST_CASE("the built injector is embedded byte for byte", "[injector]")
{
	auto blob = embedded_injector();
	auto file = test::read_file(test::build_dir() + "/libxpu_cupti.so");
	REQUIRE(!file.empty());
	REQUIRE(injector_built_in());
	REQUIRE(blob.size() == file.size());
	CHECK(std::equal(blob.begin(), blob.end(), file.begin(),
			 [](unsigned char a, char b) { return a == static_cast<unsigned char>(b); }));
	CHECK(std::string(blob.begin(), blob.begin() + 4) == "\x7f" "ELF");
}

TEST_CASE("the injector exports exactly InitializeInjection and the hook", "[injector]")
{
	// Everything else (libstdc++ linked in, our internals) stays local, so
	// nothing in the app binds to it and the uprobe's target is unambiguous.
	CHECK(dynamic_exports(test::build_dir() + "/libxpu_cupti.so") ==
	      std::set<std::string>{"InitializeInjection", "xpu_perf_launch_hook"});
}

#else

TEST_CASE("without CUDA at build time no injector is embedded", "[injector]")
{
	CHECK(embedded_injector().empty());
	CHECK(!injector_built_in());
	XPU_SKIP("built without CUDA's CUPTI headers (CUDA_HOME); injector tests skipped");
}

#endif
