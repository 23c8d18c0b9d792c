#include "gpu/stale_run_dirs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <set>
#include <system_error>

namespace xpu {

namespace {

namespace fs = std::filesystem;

bool looks_like_run_dir(const std::string &name)
{
	return name.size() == 15 && name.starts_with("xpu-perf-") &&
	       name.find('-', 9) == std::string::npos;
}

// (device, inode) of every FIFO some process has open.
std::set<std::pair<dev_t, ino_t>> open_fifos()
{
	std::set<std::pair<dev_t, ino_t>> out;
	std::error_code ec;
	for (const auto &proc : fs::directory_iterator("/proc", ec)) {
		const std::string pid = proc.path().filename();
		if (pid.find_first_not_of("0123456789") != std::string::npos)
			continue;
		std::error_code fec;
		for (const auto &fd : fs::directory_iterator(proc.path() / "fd", fec)) {
			struct stat st;
			if (stat(fd.path().c_str(), &st) == 0 && S_ISFIFO(st.st_mode))
				out.emplace(st.st_dev, st.st_ino);
		}
	}
	return out;
}

}  // namespace

std::vector<std::string> remove_stale_run_dirs(const std::string &tmpdir, int min_age_s)
{
	std::vector<std::pair<std::string, std::pair<dev_t, ino_t>>> candidates;
	std::error_code ec;
	const time_t now = time(nullptr);
	for (const auto &e : fs::directory_iterator(tmpdir, ec)) {
		const std::string name = e.path().filename();
		if (!looks_like_run_dir(name))
			continue;
		struct stat dir, pipe;
		const std::string path = e.path().string();
		if (lstat(path.c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode) || dir.st_uid != geteuid())
			continue;
		if (now - dir.st_mtime < min_age_s)
			continue;
		if (lstat((path + "/gpu.pipe").c_str(), &pipe) != 0 || !S_ISFIFO(pipe.st_mode))
			continue;
		candidates.push_back({path, {pipe.st_dev, pipe.st_ino}});
	}
	std::vector<std::string> removed;
	if (candidates.empty())
		return removed;
	const auto held = open_fifos();
	for (const auto &[path, id] : candidates) {
		if (held.count(id))
			continue;
		std::error_code rec;
		if (fs::remove_all(path, rec) > 0 && !rec)
			removed.push_back(path);
	}
	return removed;
}

}  // namespace xpu
