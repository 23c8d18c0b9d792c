// A killed xpu-perf leaves its GPU run directory behind; the next run
// removes it, and only it: not a live run's, not one being made, not
// another program's directory that merely starts with xpu-perf-.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "gpu/stale_run_dirs.hpp"
#include "helpers.hpp"

namespace fs = std::filesystem;

namespace {

// A run directory as GpuSource makes it, last changed `age_s` ago.
std::string make_run_dir(const std::string &root, const std::string &name, int age_s)
{
	std::string dir = root + "/" + name;
	REQUIRE(mkdir(dir.c_str(), 0700) == 0);
	REQUIRE(mkfifo((dir + "/gpu.pipe").c_str(), 0600) == 0);
	std::ofstream(dir + "/libxpu_cupti.so") << "x";
	auto old = fs::file_time_type::clock::now() - std::chrono::seconds(age_s);
	fs::last_write_time(dir, old);
	return dir;
}

}  // namespace

TEST_CASE("stale run directories: a dead run's goes, a live or young one stays", "[gpu]")
{
	char tmpl[] = "/tmp/xpu-perf-test-stale-XXXXXX";
	REQUIRE(mkdtemp(tmpl));
	const std::string root = tmpl;
	std::string dead = make_run_dir(root, "xpu-perf-aB3xYz", 3600);
	std::string live = make_run_dir(root, "xpu-perf-Q9w2Lm", 3600);
	std::string young = make_run_dir(root, "xpu-perf-k1J8pp", 0);
	std::string other = make_run_dir(root, "xpu-perf-test-1", 3600);  // not mkdtemp's shape
	std::string plain = root + "/xpu-perf-nopipe";
	REQUIRE(mkdir(plain.c_str(), 0700) == 0);
	fs::last_write_time(plain, fs::file_time_type::clock::now() - std::chrono::hours(1));
	// The live run holds its pipe's read end, as GpuSource does.
	int held = open((live + "/gpu.pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	REQUIRE(held >= 0);

	auto removed = xpu::remove_stale_run_dirs(root);
	close(held);
	CHECK(removed == std::vector<std::string>{dead});
	CHECK(!fs::exists(dead));
	CHECK(fs::exists(live));
	CHECK(fs::exists(young));
	CHECK(fs::exists(other));
	CHECK(fs::exists(plain));
	// With nobody holding it any more, the live one is stale too.
	CHECK(xpu::remove_stale_run_dirs(root) == std::vector<std::string>{live});
	fs::remove_all(root);
}

TEST_CASE("stale run directories: a missing TMPDIR is no error", "[gpu]")
{
	CHECK(xpu::remove_stale_run_dirs("/nonexistent/tmp").empty());
}
