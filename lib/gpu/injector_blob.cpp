// The injector's bytes, pulled in by the assembler: the Makefile defines
// XPU_INJECTOR_SO (the path of build/libxpu_cupti.so) only when it built
// one, and makes this object depend on that file.
#include "gpu/injector_blob.hpp"

#ifdef XPU_INJECTOR_SO
// A read-only section of its own, 64-byte aligned (an ELF file needs no
// more); hidden symbols so that nothing outside this binary sees them.
asm(".pushsection .rodata.xpu_injector, \"a\", @progbits\n"
    ".balign 64\n"
    ".globl xpu_injector_begin\n"
    ".hidden xpu_injector_begin\n"
    "xpu_injector_begin:\n"
    ".incbin \"" XPU_INJECTOR_SO "\"\n"
    ".globl xpu_injector_end\n"
    ".hidden xpu_injector_end\n"
    "xpu_injector_end:\n"
    ".popsection\n");

extern "C" const unsigned char xpu_injector_begin[];
extern "C" const unsigned char xpu_injector_end[];
#endif

namespace xpu {

std::span<const unsigned char> embedded_injector()
{
#ifdef XPU_INJECTOR_SO
	return {xpu_injector_begin, xpu_injector_end};
#else
	return {};
#endif
}

bool injector_built_in()
{
	return !embedded_injector().empty();
}

}  // namespace xpu
