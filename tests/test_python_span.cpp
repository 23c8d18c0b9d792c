// The blocks the BPF Python walker reads in one go (bpf/python.h's spans):
// a frame's fields in one user read, a code object's type and qualname in
// another. A field past its block would be picked from stale bytes; a
// block over XPU_PY_SPAN_MAX fails every frame of that interpreter.
#include <catch2/catch.hpp>

#include "bpf/python.h"
#include "python/python_binary.hpp"

using namespace xpu;

namespace {

xpu_py_proc described(int minor)
{
	PythonBinary b;
	b.minor = minor;
	b.offsets = py_offsets(minor);
	REQUIRE(b.offsets);
	return b.describe(0);
}

}  // namespace

TEST_CASE("python spans: every supported layout's fields lie in one bounded block", "[python]")
{
	for (int minor = 10; minor <= 13; minor++) {
		CAPTURE(minor);
		xpu_py_proc p = described(minor);
		uint32_t frame = xpu_py_frame_span(&p), code = xpu_py_code_span(&p);
		CHECK(frame <= XPU_PY_SPAN_MAX);
		CHECK(code <= XPU_PY_SPAN_MAX);
		CHECK(p.f_code + 8u <= frame);
		CHECK(p.f_prev + 8u <= frame);
		CHECK(p.f_instr + 8u <= frame);
		if (p.entry_kind != XPU_PY_ENTRY_PER_CALL)
			CHECK(p.f_entry + 1u <= frame);
		CHECK(16u <= code);  // the type, at 8
		CHECK(p.code_qualname + 8u <= code);
	}
}

TEST_CASE("python spans: the block ends at the last field read", "[python]")
{
	xpu_py_proc p{};
	p.f_code = 32;
	p.f_prev = 48;
	p.f_instr = 56;
	p.f_entry = 68;
	p.entry_kind = XPU_PY_ENTRY_FLAG;
	CHECK(xpu_py_frame_span(&p) == 69);  // the entry byte
	p.f_entry = 40;
	CHECK(xpu_py_frame_span(&p) == 64);  // f_instr's 8 bytes
	// 3.10 has no entry field (NO_OFFSET): it must not stretch the block.
	p.entry_kind = XPU_PY_ENTRY_PER_CALL;
	p.f_entry = XPU_PY_NO_OFFSET;
	p.f_instr = 96;
	CHECK(xpu_py_frame_span(&p) == 104);
	p.code_qualname = 112;
	CHECK(xpu_py_code_span(&p) == 120);
}
