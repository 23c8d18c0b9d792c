// Shared by the test_report_*.cpp files: run `xpu-perf report`, find the
// fixtures, write temporary inputs.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "helpers.hpp"

namespace xpu::test {

inline std::string report_fixture(const std::string &name)
{
	return build_dir() + "/../tests/fixtures/report/" + name;
}

inline RunResult report(std::vector<std::string> args)
{
	args.insert(args.begin(), {xpu_perf(), "report"});
	return run(args);
}

inline std::string write_temp_file(const std::string &name, const std::string &text)
{
	std::string path = temp_path(name);
	std::ofstream(path, std::ios::binary) << text;
	return path;
}

}  // namespace xpu::test
