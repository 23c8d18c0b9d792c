// Recognises a CPython interpreter in an ELF file (python3.X with libpython
// linked in, or libpython3.X.so), stripped or not: its version, the eval
// loop's address ranges, where the thread-state key lives and the struct
// offsets the in-kernel walker (bpf/python.bpf.h) needs. Addresses are ELF
// virtual addresses; PythonBinary::describe() adds a mapping's bias.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bpf/python.h"

namespace xpu {

class ElfFile;

// Struct offsets of one CPython minor version (x86-64, default build).
struct PyOffsets {
	int minor;
	uint16_t runtime_tss;   // _PyRuntime -> gilstate.autoTSSkey (Py_tss_t)
	uint16_t ts_cframe;     // XPU_PY_NO_OFFSET: current frame in the thread state
	uint16_t ts_frame;
	uint16_t f_code, f_prev, f_instr, f_entry;
	uint8_t entry_kind;     // enum xpu_py_entry
	uint16_t code_first;    // code object -> co_code_adaptive
	uint16_t code_filename, code_name, code_qualname, code_linetable, code_firstlineno;
	uint16_t unicode_ascii_data;  // compact ASCII string data after PyASCIIObject
	uint16_t unicode_compact_data;  // compact non-ASCII string data
};

// The table for 3.minor, or nullptr when that version is not supported.
const PyOffsets *py_offsets(int minor);

struct PythonBinary {
	int major = 3, minor = 0, micro = 0;
	std::string version() const;
	// Why this interpreter is not walked ("" when it is): one line.
	std::string refused;
	uint64_t eval_start = 0, eval_end = 0;  // _PyEval_EvalFrameDefault
	uint64_t cold_start = 0, cold_end = 0;  // its .cold part, when found
	uint64_t runtime = 0;                   // _PyRuntime
	uint64_t code_type = 0;                 // PyCode_Type
	const PyOffsets *offsets = nullptr;
	std::string offsets_source;             // "built-in table", "+ checked against _Py_DebugOffsets"

	// The BPF description for a mapping at `bias` (absolute = vaddr + bias).
	xpu_py_proc describe(uint64_t bias) const;
};

// nullopt when the file is no CPython interpreter (no eval loop, no
// _PyRuntime); a PythonBinary with `refused` set when it is one this
// version of xpu-perf cannot walk.
std::optional<PythonBinary> detect_python(ElfFile &file);

}  // namespace xpu
