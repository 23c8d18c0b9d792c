// xpu-perf --version: the build's identity, on stdout, exit 0.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "base/build_info.hpp"
#include "live/http_server.hpp"
#include "gpu/injector_blob.hpp"

using namespace xpu;
using namespace xpu::test;

TEST_CASE("--version: version, git describe, libbpf, link mode, CUDA support", "[version]")
{
	auto r = run({xpu_perf(), "--version"});
	REQUIRE(r.exit_code == 0);
	CHECK(r.err.empty());
	std::string git = build_info().git_describe;
	// A build with the CUDA toolkit carries the injector (an ELF image).
	auto blob = embedded_injector();
	CHECK(injector_built_in() == !blob.empty());
	if (!blob.empty())
		CHECK(std::string(reinterpret_cast<const char *>(blob.data()), 4) == "\x7f" "ELF");
	std::string cuda = injector_built_in() ? "yes (CUPTI injector built in)"
					       : "no (built without the CUDA toolkit: no GPU layer)";
	CHECK(r.out == "xpu-perf 0.1.0\n"
		       "git: " + git + "\n"
		       "libbpf: " + libbpf_version() + " (linked in)\n"
		       "build: dynamic (libelf, libdw, libz, libfmt shared)\n"
		       "CUDA support: " + cuda + "\n"
		       "web page (live --http): " + http_support_text() + "\n");
	// Built from a git checkout, the Makefile passes `git describe`.
	if (access((build_dir() + "/../.git").c_str(), F_OK) == 0)
		CHECK(git != "unknown");
	CHECK(libbpf_version().starts_with("1."));
}
