#include "gpu/gpu_entry_points.hpp"

#include <set>

#include "symbolize/elf_file.hpp"
#include "symbolize/proc_maps.hpp"

namespace xpu {

namespace {

constexpr size_t kRuntimeCount = 14;

}  // namespace

const std::vector<std::string> &cuda_entry_points()
{
	static const std::vector<std::string> names = {
		// runtime (kRuntimeCount)
		"cudaLaunchKernel", "cudaLaunchKernel_ptsz", "cudaLaunchKernelExC",
		"cudaLaunchKernelExC_ptsz", "cudaLaunchCooperativeKernel",
		"cudaLaunchCooperativeKernel_ptsz", "cudaGraphLaunch", "cudaGraphLaunch_ptsz",
		"cudaMemcpy", "cudaMemcpy_ptds", "cudaMemcpyAsync", "cudaMemcpyAsync_ptsz",
		"cudaMemset", "cudaMemsetAsync",
		// driver
		"cuLaunchKernel", "cuLaunchKernel_ptsz", "cuLaunchKernelEx", "cuLaunchKernelEx_ptsz",
		"cuLaunchCooperativeKernel", "cuLaunchCooperativeKernel_ptsz", "cuGraphLaunch",
		"cuGraphLaunch_ptsz", "cuMemcpyHtoD_v2", "cuMemcpyDtoH_v2", "cuMemcpyAsync",
		"cuMemcpyHtoDAsync_v2", "cuMemcpyDtoHAsync_v2"};
	return names;
}

bool is_driver_entry_point(size_t index) { return index >= kRuntimeCount; }

std::vector<std::string> cuda_entry_files(const std::vector<pid_t> &pids)
{
	std::set<std::string> files;
	for (pid_t pid : pids) {
		auto maps = read_proc_maps(pid);
		if (!maps)
			continue;
		std::string runtime, driver, exe;
		for (const Mapping &m : *maps) {
			if (!m.file_backed() || !m.executable())
				continue;
			std::string_view base = m.basename();
			std::string path(m.file_path());
			if (base.starts_with("libcudart.so"))
				runtime = path;
			else if (base.starts_with("libcuda.so"))
				driver = path;
			else if (exe.empty())
				exe = path;  // the first executable mapping: the program
		}
		if (runtime.empty() && !exe.empty()) {
			auto elf = ElfFile::open_path(exe);
			if (elf && (*elf)->find_symbol("cudaLaunchKernel"))
				runtime = exe;
		}
		if (!runtime.empty())
			files.insert(runtime);
		else if (!driver.empty())
			files.insert(driver);
	}
	return {files.begin(), files.end()};
}

}  // namespace xpu
