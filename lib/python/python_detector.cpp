#include "python/python_detector.hpp"

#include "base/log.hpp"
#include "symbolize/elf_file.hpp"

namespace xpu {

const PythonBinary *PythonDetector::of(ElfFile *file)
{
	auto it = cache_.find(file);
	if (it == cache_.end()) {
		it = cache_.emplace(file, detect_python(*file)).first;
		if (it->second && !it->second->refused.empty())
			log::warn("{}: {}", file->name(), it->second->refused);
		else if (it->second)
			log::debug("{}: CPython {} ({})", file->name(), it->second->version(),
				   it->second->offsets_source);
	}
	return it->second ? &*it->second : nullptr;
}

PythonDetector::Found PythonDetector::find(std::span<const ExecMapping> mappings)
{
	for (const ExecMapping &m : mappings)
		if (m.file)
			if (const PythonBinary *b = of(m.file))
				return {b, &m};
	return {};
}

}  // namespace xpu
