#include "gpu/cuda_probe.hpp"

#include <dirent.h>
#include <dlfcn.h>
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "base/build_info.hpp"

namespace xpu {

namespace {

std::vector<std::string> library_dirs()
{
	std::vector<std::string> dirs;
	if (const char *env = std::getenv("LD_LIBRARY_PATH")) {
		std::string s = env;
		for (size_t at = 0; at <= s.size();) {
			size_t end = s.find(':', at);
			if (end == s.npos)
				end = s.size();
			if (end > at)
				dirs.push_back(s.substr(at, end - at));
			at = end + 1;
		}
	}
	std::error_code ec;
	for (const auto &e : std::filesystem::directory_iterator("/etc/ld.so.conf.d", ec)) {
		std::ifstream f(e.path());
		for (std::string line; std::getline(f, line);)
			if (line.starts_with("/"))
				dirs.push_back(line);
	}
	for (const char *d : {"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
			      "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64",
			      "/usr/local/cuda/lib64", "/usr/local/cuda/lib",
			      "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/cuda/extras/CUPTI/lib64"})
		dirs.push_back(d);
	return dirs;
}

// Calls `int fn(T *)` from a library, where dlopen works: not in the static
// build (a static glibc cannot load a dynamic library built for another).
// The library stays mapped after dlclose (RTLD_NODELETE): CUDA's libraries
// are not made to be unloaded (their constructors allocate for the
// process's life, e.g. libcupti's static libstdc++'s exception pool, which
// an unload would turn into a leak).
template <class T>
std::optional<T> call_version(const std::string &lib, const char *fn)
{
	if (build_info().static_link)
		return std::nullopt;
	void *h = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!h)
		return std::nullopt;
	std::optional<T> out;
	auto f = reinterpret_cast<int (*)(T *)>(dlsym(h, fn));
	T v{};
	if (f && f(&v) == 0)
		out = v;
	dlclose(h);
	return out;
}

// " (libcuda.so.535.104.05)": the file a soname link points to names the
// driver version, where it cannot be asked.
std::string resolved_name(const std::string &path)
{
	std::error_code ec;
	auto real = std::filesystem::canonical(path, ec);
	if (ec)
		return {};
	return " (" + real.filename().string() + ")";
}

// "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Thu ..." -> "535.104.05"
std::string driver_module_version()
{
	std::ifstream f("/proc/driver/nvidia/version");
	std::string line;
	std::getline(f, line);
	auto at = line.find("Kernel Module");
	if (at == line.npos)
		return {};
	at = line.find_first_not_of(' ', at + 13);
	if (at == line.npos)
		return {};
	return line.substr(at, line.find(' ', at) - at);
}

CheckItem probe_driver()
{
	std::string lib = find_library("libcuda.so.1");
	std::string module = driver_module_version();
	if (lib.empty())
		return make_item("cuda_driver", CheckStatus::info, false,
				 module.empty() ? "none (no libcuda.so.1)"
						: "kernel module " + module + ", but no libcuda.so.1");
	std::string detail = lib;
	auto v = call_version<int>(lib, "cuDriverGetVersion");
	if (v)
		detail += fmt::format(" (CUDA {})", cuda_version_text(*v));
	else
		detail += resolved_name(lib);
	if (!module.empty())
		detail += ", kernel module " + module;
	auto item = make_item("cuda_driver", CheckStatus::ok, false, detail);
	if (v)
		item.values = {{"version", *v}};
	return item;
}

CheckItem probe_runtime()
{
	std::string lib = find_library("libcudart.so.*");
	if (lib.empty())
		return make_item("cuda_runtime", CheckStatus::info, false, "none (no libcudart.so)");
	auto v = call_version<int>(lib, "cudaRuntimeGetVersion");
	auto item = make_item("cuda_runtime", CheckStatus::ok, false,
			      v ? fmt::format("{} (CUDA {})", lib, cuda_version_text(*v)) : lib);
	if (v)
		item.values = {{"version", *v}};
	return item;
}

CheckItem probe_cupti()
{
	std::string lib = find_library("libcupti.so.*");
	if (lib.empty())
		return make_item("cupti", CheckStatus::info, false, "none (no libcupti.so)");
	auto v = call_version<uint32_t>(lib, "cuptiGetVersion");
	auto item = make_item("cupti", CheckStatus::ok, false,
			      v ? fmt::format("{} (API version {})", lib, *v) : lib);
	if (v)
		item.values = {{"api_version", static_cast<long long>(*v)}};
	return item;
}

std::vector<std::string> gpus_from_proc()
{
	std::vector<std::string> gpus;
	std::error_code ec;
	for (const auto &e : std::filesystem::directory_iterator("/proc/driver/nvidia/gpus", ec)) {
		std::ifstream f(e.path() / "information");
		for (std::string line; std::getline(f, line);) {
			if (line.starts_with("Model:")) {
				std::string model = line.substr(6);
				model.erase(0, model.find_first_not_of(" \t"));
				gpus.push_back(model);
			}
		}
	}
	std::sort(gpus.begin(), gpus.end());
	return gpus;
}

// "GPU 0: NVIDIA H100 80GB HBM3 (UUID: ...)" lines, where /proc has no list
// (some containers): the model names.
std::vector<std::string> gpus_from_nvidia_smi()
{
	std::vector<std::string> gpus;
	if (std::system("command -v nvidia-smi >/dev/null 2>&1") != 0)
		return gpus;
	FILE *p = popen("nvidia-smi -L 2>/dev/null", "r");
	if (!p)
		return gpus;
	char buf[512];
	while (std::fgets(buf, sizeof(buf), p)) {
		std::string line = buf;
		auto colon = line.find(": "), uuid = line.find(" (UUID");
		if (line.starts_with("GPU ") && colon != line.npos)
			gpus.push_back(line.substr(colon + 2, uuid == line.npos ? line.npos : uuid - colon - 2));
	}
	pclose(p);
	for (auto &g : gpus)
		while (!g.empty() && (g.back() == '\n' || g.back() == ' '))
			g.pop_back();
	return gpus;
}

CheckItem probe_gpus()
{
	auto gpus = gpus_from_proc();
	if (gpus.empty())
		gpus = gpus_from_nvidia_smi();
	CheckItem item = make_item("gpus", CheckStatus::info, false, "none");
	if (!gpus.empty()) {
		item.status = CheckStatus::ok;
		item.detail = fmt::format("{}: {}", gpus.size(), fmt::join(gpus, ", "));
	}
	item.values = {{"count", static_cast<long long>(gpus.size())}};
	return item;
}

}  // namespace

std::string cuda_version_text(int v) { return fmt::format("{}.{}", v / 1000, v % 1000 / 10); }

std::string find_library(const std::string &name)
{
	bool pattern = name.ends_with('*');
	for (const auto &dir : library_dirs()) {
		if (!pattern) {
			std::string path = dir + "/" + name;
			if (access(path.c_str(), R_OK) == 0)
				return path;
			continue;
		}
		std::vector<std::string> found;
		std::error_code ec;
		for (const auto &e : std::filesystem::directory_iterator(dir, ec)) {
			std::string file = e.path().filename().string();
			if (fnmatch(name.c_str(), file.c_str(), 0) == 0)
				found.push_back(e.path().string());
		}
		if (!found.empty()) {  // the shortest: libcudart.so.13, not .so.13.0.96
			std::sort(found.begin(), found.end(), [](const auto &a, const auto &b) {
				return a.size() != b.size() ? a.size() < b.size() : a < b;
			});
			return found.front();
		}
	}
	return {};
}

std::vector<CheckItem> probe_cuda()
{
	return {probe_driver(), probe_runtime(), probe_cupti(), probe_gpus()};
}

}  // namespace xpu
