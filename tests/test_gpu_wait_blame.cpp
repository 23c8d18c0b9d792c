// split_wait: a wait's wall time shared over the GPU work that ran during it.
#include <catch2/catch.hpp>

#include "gpu/gpu_protocol.h"
#include "gpu/gpu_wait_blame.hpp"

using namespace xpu;

namespace {

using Parts = std::vector<std::pair<std::string, uint64_t>>;

Parts split(uint64_t start, uint64_t end, const std::vector<GpuSpan> &spans)
{
	std::vector<const GpuSpan *> p;
	for (const auto &s : spans)
		p.push_back(&s);
	return split_wait(start, end, p);
}

}  // namespace

TEST_CASE("split_wait: by overlap, shared where work ran at once, idle last", "[gpu]")
{
	// Nothing ran: all idle.
	CHECK(split(100, 200, {}) == Parts{{"[GPU_Wait][idle]", 100}});
	// Clipped to the wait, in order of first appearance.
	CHECK(split(100, 200, {{50, 130, 7, "[GPU_Wait]a"}, {130, 180, 7, "[GPU_Wait]b"}}) ==
	      Parts{{"[GPU_Wait]a", 30}, {"[GPU_Wait]b", 50}, {"[GPU_Wait][idle]", 20}});
	// Two at once share equally; the odd nanosecond goes to the first.
	CHECK(split(0, 11, {{0, 11, 7, "[GPU_Wait]a"}, {0, 11, 9, "[GPU_Wait]b"}}) ==
	      Parts{{"[GPU_Wait]a", 6}, {"[GPU_Wait]b", 5}});
	// The same kernel twice: one part.
	CHECK(split(0, 100, {{0, 40, 7, "[GPU_Wait]a"}, {60, 100, 7, "[GPU_Wait]a"}}) ==
	      Parts{{"[GPU_Wait]a", 80}, {"[GPU_Wait][idle]", 20}});
	// Back-to-back spans: no instant counted twice; the parts add up.
	Parts p = split(0, 1000, {{0, 500, 7, "[GPU_Wait]a"}, {500, 1000, 7, "[GPU_Wait]b"}, {250, 750, 9, "[GPU_Wait]c"}});
	CHECK(p == Parts{{"[GPU_Wait]a", 375}, {"[GPU_Wait]c", 250}, {"[GPU_Wait]b", 375}});
	// Outside the wait, or an empty wait: nothing.
	CHECK(split(100, 200, {{0, 100, 7, "[GPU_Wait]a"}, {200, 300, 7, "[GPU_Wait]b"}}) ==
	      Parts{{"[GPU_Wait][idle]", 100}});
	CHECK(split(200, 200, {{0, 300, 7, "[GPU_Wait]a"}}).empty());
}

TEST_CASE("gpu_wait_leaf: kernels by name, copies by direction", "[gpu]")
{
	GpuActivity k;
	k.kind = GpuKind::kernel;
	k.name = "_Z4stepv";
	CHECK(gpu_wait_leaf(k) == "[GPU_Wait]step()");
	GpuActivity m;
	m.kind = GpuKind::memcpy;
	m.copy_kind = gpu_proto::kCopyDtoH;
	m.src_kind = gpu_proto::kMemDevice;
	m.dst_kind = gpu_proto::kMemPageable;
	CHECK(gpu_wait_leaf(m) == "[GPU_Wait]memcpy DtoH(pageable)");
	GpuActivity z;
	z.kind = GpuKind::memset;
	CHECK(gpu_wait_leaf(z) == "[GPU_Wait]memset");
}
