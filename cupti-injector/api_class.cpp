#include "api_class.hpp"

namespace xpu::injector {

namespace {

bool strip_version(std::string_view &s)
{
	size_t i = s.size();
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == s.size() || i < 2 || s.substr(i - 2, 2) != "_v")
		return false;
	s = s.substr(0, i - 2);
	return true;
}

bool strip_stream(std::string_view &s)
{
	for (std::string_view suffix : {"_ptsz", "_ptds"}) {
		if (s.ends_with(suffix)) {
			s.remove_suffix(suffix.size());
			return true;
		}
	}
	return false;
}

}  // namespace

std::string_view api_base_name(std::string_view name)
{
	while (strip_version(name) || strip_stream(name)) {
	}
	return name;
}

ApiClass classify_api(std::string_view callback_name)
{
	std::string_view b = api_base_name(callback_name);
	if (b.starts_with("cudaLaunch") || b.starts_with("__cudaLaunch") || b.starts_with("cuLaunch") ||
	    b == "cudaGraphLaunch" || b == "cuGraphLaunch")
		return kApiLaunch;
	if (b.starts_with("cudaMemcpy") || b.starts_with("cudaMemset") || b.starts_with("cuMemcpy") ||
	    b.starts_with("cuMemset"))
		return kApiMemory;
	for (std::string_view s : {"cudaDeviceSynchronize", "cudaThreadSynchronize", "cudaStreamSynchronize",
				   "cudaEventSynchronize", "cudaStreamWaitEvent", "cuCtxSynchronize",
				   "cuStreamSynchronize", "cuEventSynchronize", "cuStreamWaitEvent"})
		if (b == s)
			return kApiSync;
	return kApiOther;
}

bool api_waits(std::string_view callback_name)
{
	std::string_view b = api_base_name(callback_name);
	switch (classify_api(callback_name)) {
	case kApiSync:
		return !b.ends_with("WaitEvent");
	case kApiMemory:
		return (b.starts_with("cudaMemcpy") || b.starts_with("cuMemcpy")) &&
		       b.find("Async") == std::string_view::npos;
	default:
		return false;
	}
}

}  // namespace xpu::injector
