#include "cupti_api.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace xpu::injector {

namespace {

std::string dir_of(std::string_view path)
{
	auto slash = path.rfind('/');
	return slash == std::string_view::npos ? "." : std::string(path.substr(0, slash));
}

void add_once(std::vector<std::string> &v, std::string s)
{
	for (const auto &e : v)
		if (e == s)
			return;
	v.push_back(std::move(s));
}

// The mapped libcudart*/libcuda* paths, with cudart's major ("13") if known.
void cuda_libs_in_maps(std::string_view maps, std::vector<std::string> &paths, std::string &major)
{
	size_t pos = 0;
	while (pos < maps.size()) {
		size_t eol = maps.find('\n', pos);
		std::string_view line = maps.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
		pos = eol == std::string_view::npos ? maps.size() : eol + 1;
		size_t p = line.find('/');
		if (p == std::string_view::npos)
			continue;
		std::string_view path = line.substr(p);
		std::string_view base = path.substr(path.rfind('/') + 1);
		bool cudart = base.starts_with("libcudart.so");
		if (!cudart && !base.starts_with("libcuda.so"))
			continue;
		if (cudart && major.empty() && base.size() > 13 && base[12] == '.') {
			std::string_view ver = base.substr(13);
			major = std::string(ver.substr(0, ver.find('.')));
		}
		add_once(paths, std::string(path));
	}
}

}  // namespace

std::vector<std::string> cupti_candidates(const char *env_path, std::string_view maps,
					  const char *cuda_home)
{
	std::vector<std::string> out;
	if (env_path && *env_path)
		out.emplace_back(env_path);
	std::vector<std::string> libs;
	std::string major;
	cuda_libs_in_maps(maps, libs, major);
	std::vector<std::string> names;
	if (!major.empty())
		names.push_back("libcupti.so." + major);
	names.push_back("libcupti.so");
	for (const auto &lib : libs) {
		std::string dir = dir_of(lib);
		for (const auto &sub : {"", "/../extras/CUPTI/lib64", "/../../cuda_cupti/lib"})
			for (const auto &n : names)
				add_once(out, dir + sub + "/" + n);
	}
	for (const char *n : {"libcupti.so.13", "libcupti.so.12", "libcupti.so"})
		add_once(out, n);
	std::string home = cuda_home && *cuda_home ? cuda_home : "/usr/local/cuda";
	for (const char *sub : {"/lib64/", "/lib/", "/extras/CUPTI/lib64/"})
		for (const char *n : {"libcupti.so.13", "libcupti.so.12", "libcupti.so"})
			add_once(out, home + sub + n);
	return out;
}

std::string CuptiApi::describe(const char *call, CUptiResult r) const
{
	const char *text = nullptr;
	if (!cuptiGetResultString || cuptiGetResultString(r, &text) != CUPTI_SUCCESS || !text)
		text = "unknown CUPTI error";
	std::ostringstream s;
	s << call << ": " << text << " (" << static_cast<int>(r) << ")";
	return s.str();
}

bool load_cupti(CuptiApi &api, std::string &error)
{
	std::string maps;
	{
		std::ifstream f("/proc/self/maps");
		std::stringstream ss;
		ss << f.rdbuf();
		maps = ss.str();
	}
	const char *home = getenv("CUDA_HOME");
	if (!home || !*home)
		home = getenv("CUDA_PATH");
	std::string tried;
	for (const auto &path : cupti_candidates(getenv("XPU_PERF_CUPTI"), maps, home)) {
		if (path.find('/') != std::string::npos && access(path.c_str(), R_OK) != 0)
			continue;
		void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
		if (h) {
			api.handle = h;
			api.path = path;
			break;
		}
		if (tried.size() < 512)
			tried += (tried.empty() ? "" : "; ") + std::string(dlerror());
	}
	if (!api.handle) {
		error = "libcupti not found (set XPU_PERF_CUPTI=/path/to/libcupti.so)";
		if (!tried.empty())
			error += ": " + tried;
		return false;
	}
	bool ok = true;
#define XPU_CUPTI_REQUIRED(fn)                                                       \
	api.fn = reinterpret_cast<decltype(api.fn)>(dlsym(api.handle, #fn));         \
	if (!api.fn && ok) {                                                         \
		error = api.path + " lacks " #fn;                                    \
		ok = false;                                                          \
	}
#define XPU_CUPTI_OPTIONAL(fn) api.fn = reinterpret_cast<decltype(api.fn)>(dlsym(api.handle, #fn))
	XPU_CUPTI_REQUIRED(cuptiGetVersion);
	XPU_CUPTI_REQUIRED(cuptiGetResultString);
	XPU_CUPTI_REQUIRED(cuptiSubscribe);
	XPU_CUPTI_REQUIRED(cuptiUnsubscribe);
	XPU_CUPTI_REQUIRED(cuptiEnableCallback);
	XPU_CUPTI_REQUIRED(cuptiEnableDomain);
	XPU_CUPTI_REQUIRED(cuptiGetCallbackName);
	XPU_CUPTI_REQUIRED(cuptiActivityRegisterCallbacks);
	XPU_CUPTI_REQUIRED(cuptiActivityEnable);
	XPU_CUPTI_REQUIRED(cuptiActivityDisable);
	XPU_CUPTI_REQUIRED(cuptiActivityFlushAll);
	XPU_CUPTI_REQUIRED(cuptiActivityGetNextRecord);
	XPU_CUPTI_REQUIRED(cuptiActivityGetNumDroppedRecords);
	XPU_CUPTI_OPTIONAL(cuptiSetThreadIdType);
	XPU_CUPTI_OPTIONAL(cuptiActivityRegisterTimestampCallback);
	XPU_CUPTI_OPTIONAL(cuptiActivityFlushPeriod);
	XPU_CUPTI_OPTIONAL(cuptiActivityEnableRuntimeApi);
	XPU_CUPTI_OPTIONAL(cuptiActivityEnableDriverApi);
	XPU_CUPTI_OPTIONAL(cuptiGetTimestamp);
#ifdef CUpti_SubscriberParams_STRUCT_SIZE
	XPU_CUPTI_OPTIONAL(cuptiSubscribe_v2);
#endif
#undef XPU_CUPTI_REQUIRED
#undef XPU_CUPTI_OPTIONAL
	return ok;
}

}  // namespace xpu::injector
