// detect_python() once per file: a process maps hundreds of libraries, and
// every new mapping of one asks again.
#pragma once

#include <optional>
#include <span>
#include <unordered_map>

#include "python/python_binary.hpp"
#include "symbolize/symbolizer.hpp"

namespace xpu {

class PythonDetector {
public:
	// The interpreter in `file` (supported or refused), or nullptr.
	const PythonBinary *of(ElfFile *file);
	// The first interpreter among a process's mappings, with its mapping.
	struct Found {
		const PythonBinary *binary = nullptr;
		const ExecMapping *mapping = nullptr;
	};
	Found find(std::span<const ExecMapping> mappings);

private:
	std::unordered_map<ElfFile *, std::optional<PythonBinary>> cache_;
};

}  // namespace xpu
