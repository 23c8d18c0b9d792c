#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "base/output_file.hpp"

using namespace xpu;

TEST_CASE("output appears only at commit, replacing the old file whole", "[output]")
{
	std::string path = test::temp_path("out.folded");
	{
		std::FILE *f = std::fopen(path.c_str(), "w");
		std::fputs("old 1\n", f);
		std::fclose(f);
	}
	auto out = OutputFile::open(path);
	REQUIRE(out);
	std::fputs("new 2\n", out->stream());
	std::fflush(out->stream());
	CHECK(test::read_file(path) == "old 1\n");  // not yet
	REQUIRE(out->commit());
	CHECK(test::read_file(path) == "new 2\n");
	struct stat st;
	REQUIRE(stat(path.c_str(), &st) == 0);
	mode_t mask = umask(0);
	umask(mask);
	CHECK((st.st_mode & 0777) == (0666 & ~mask));
	unlink(path.c_str());
}

TEST_CASE("an abandoned output leaves the old file and no temporary", "[output]")
{
	std::string dir = test::temp_path("dir");
	REQUIRE(mkdir(dir.c_str(), 0755) == 0);
	std::string path = dir + "/p.folded";
	{
		std::FILE *f = std::fopen(path.c_str(), "w");
		std::fputs("old 1\n", f);
		std::fclose(f);
	}
	{
		auto out = OutputFile::open(path);
		REQUIRE(out);
		std::fputs("partial", out->stream());
	}
	CHECK(test::read_file(path) == "old 1\n");
	unlink(path.c_str());
	CHECK(rmdir(dir.c_str()) == 0);  // empty: the temporary is gone
}

TEST_CASE("an unwritable output is an output error up front", "[output]")
{
	auto out = OutputFile::open("/nonexistent-dir/x.folded");
	REQUIRE_FALSE(out);
	CHECK(out.error().exit == ExitCode::output);
	CHECK_THAT(out.error().msg, Catch::Contains("cannot write '/nonexistent-dir/x.folded'"));
}
