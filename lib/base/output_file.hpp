// Where a profile goes. Opened (and so checked) before profiling starts;
// a regular file is written to a temporary beside it and renamed into place
// at commit(), so readers never see half a profile and a failed run leaves
// the previous file intact. "-" is stdout.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "base/error.hpp"

namespace xpu {

class OutputFile {
public:
	static Result<OutputFile> open(const std::string &path);
	OutputFile(OutputFile &&o) noexcept;
	OutputFile &operator=(OutputFile &&) = delete;
	~OutputFile();

	std::FILE *stream() { return stream_; }
	const std::string &path() const { return path_; }
	bool is_stdout() const { return path_ == "-"; }
	Result<void> commit();
	// Writes all of `bytes`, then commits.
	Result<void> write_and_commit(std::string_view bytes);

private:
	OutputFile() = default;
	std::string path_;
	std::string tmp_;  // empty when writing in place (stdout, FIFO, device)
	std::FILE *stream_ = nullptr;
	bool committed_ = false;
};

}  // namespace xpu
