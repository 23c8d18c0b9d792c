#include "base/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace xpu {

Result<OutputFile> OutputFile::open(const std::string &path)
{
	OutputFile f;
	f.path_ = path;
	if (path == "-") {
		f.stream_ = stdout;
		return f;
	}
	if (path.empty())
		return fail(ExitCode::usage, "empty output path");
	struct stat st;
	bool special = stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
	if (special) {  // a FIFO or /dev/stdout: write in place
		f.stream_ = std::fopen(path.c_str(), "w");
		if (!f.stream_)
			return sys_fail(ExitCode::output, errno, "cannot write '{}'", path);
		return f;
	}
	auto slash = path.rfind('/');
	std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
	std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
	f.tmp_ = (slash == std::string::npos ? "" : dir) + "." + base + ".XXXXXX";
	int fd = mkostemp(f.tmp_.data(), O_CLOEXEC);
	if (fd < 0)
		return sys_fail(ExitCode::output, errno, "cannot write '{}'", path);
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);  // as fopen would create it, not mkstemp's 0600
	f.stream_ = fdopen(fd, "w");
	if (!f.stream_) {
		int e = errno;
		close(fd);
		unlink(f.tmp_.c_str());
		return sys_fail(ExitCode::output, e, "cannot write '{}'", path);
	}
	return f;
}

OutputFile::OutputFile(OutputFile &&o) noexcept
	: path_(std::move(o.path_)), tmp_(std::move(o.tmp_)),
	  stream_(std::exchange(o.stream_, nullptr)), committed_(o.committed_)
{
}

OutputFile::~OutputFile()
{
	if (stream_ && stream_ != stdout)
		std::fclose(stream_);
	if (!tmp_.empty() && !committed_)
		unlink(tmp_.c_str());
}

Result<void> OutputFile::write_and_commit(std::string_view bytes)
{
	if (std::fwrite(bytes.data(), 1, bytes.size(), stream_) != bytes.size())
		return sys_fail(ExitCode::output, errno, "write '{}'", path_);
	return commit();
}

Result<void> OutputFile::commit()
{
	if (std::fflush(stream_) != 0)
		return sys_fail(ExitCode::output, errno, "write '{}'", path_);
	if (stream_ != stdout) {
		int rc = std::fclose(stream_);
		stream_ = nullptr;
		if (rc != 0)
			return sys_fail(ExitCode::output, errno, "write '{}'", path_);
	}
	if (!tmp_.empty() && rename(tmp_.c_str(), path_.c_str()) != 0)
		return sys_fail(ExitCode::output, errno, "rename to '{}'", path_);
	committed_ = true;
	return {};
}

}  // namespace xpu
