// The correlator (lib/gpu/gpu_correlator) on launch stacks and GPU records in
// both arrival orders: every GPU nanosecond comes out exactly once, graph
// launches fan out, unmatched work goes under [no_cpu_stack], ids wrap.
#include <catch2/catch.hpp>

#include "gpu/gpu_correlator.hpp"
#include "gpu/gpu_frames.hpp"
#include "gpu/gpu_protocol.h"

using namespace xpu;

namespace {

LaunchEvent launch(pid_t pid, uint32_t corr, uint64_t ustack, uint32_t cbid = 211)
{
	LaunchEvent l;
	l.where.pid = pid;
	l.where.tid = pid;
	l.where.comm = "app";
	l.where.ustack = ustack;
	l.corr = corr;
	l.cbid = cbid;
	l.domain = gpu_proto::kDomainRuntime;
	return l;
}

GpuActivity kernel(pid_t pid, uint32_t corr, uint64_t ns, const std::string &name = "_Z3addPfi")
{
	GpuActivity a;
	a.pid = pid;
	a.corr = corr;
	a.start = 1000;
	a.end = 1000 + ns;
	a.name = name;
	return a;
}

uint64_t total_ns(const std::vector<Event> &v)
{
	uint64_t t = 0;
	for (const auto &c : v)
		t += c.weight;
	return t;
}

const Event *find(const std::vector<Event> &v, uint64_t ustack, bool launched = true)
{
	for (const auto &c : v)
		if (c.where.ustack == ustack && c.gpu().launched == launched)
			return &c;
	return nullptr;
}

}  // namespace

TEST_CASE("gpu correlator: launch first, then its kernel", "[gpu]")
{
	GpuCorrelator c;
	c.set_api_name(1, gpu_proto::kDomainRuntime, 211, "cudaLaunchKernel_v7000");
	c.add_launch(launch(1, 10, 0xaa), 0);
	c.add_activity(kernel(1, 10, 500), 1);
	auto out = c.take(2, false);
	REQUIRE(out.size() == 1);
	CHECK(out[0].gpu().launched);
	CHECK(out[0].where.ustack == 0xaa);
	CHECK(out[0].gpu().api == "cudaLaunchKernel");
	CHECK(out[0].gpu().leaf == "[GPU_Kernel]add(float*, int)");
	CHECK(out[0].weight == 500);
	CHECK(out[0].count == 1);
	CHECK(c.stats().matched == 1);
}

TEST_CASE("gpu correlator: a kernel before its launch waits for it", "[gpu]")
{
	GpuCorrelator c;
	c.add_activity(kernel(1, 10, 500), 0);
	CHECK(c.take(1, false).empty());  // within the grace: still waiting
	c.add_launch(launch(1, 10, 0xaa), 2);
	auto out = c.take(3, false);
	REQUIRE(out.size() == 1);
	CHECK(out[0].gpu().launched);
	CHECK(out[0].gpu().api == "[cuda_runtime:211]");  // the stream never named it
}

TEST_CASE("gpu correlator: unmatched work after the grace, and at the end", "[gpu]")
{
	GpuCorrelatorOptions o;
	o.grace_ns = 100;
	GpuCorrelator c(o);
	c.set_comm(1, "trainer");
	c.add_activity(kernel(1, 10, 500), 0);
	c.add_activity(kernel(1, 11, 300), 150);
	auto early = c.take(120, false);
	REQUIRE(early.size() == 1);
	CHECK_FALSE(early[0].gpu().launched);
	CHECK(early[0].where.comm == "trainer");
	CHECK(early[0].weight == 500);
	auto rest = c.take(130, true);
	REQUIRE(rest.size() == 1);
	CHECK(rest[0].weight == 300);
	CHECK(c.stats().unmatched == 2);
	CHECK(c.stats().unmatched_ns == 800);
}

TEST_CASE("gpu correlator: a graph launch's kernels all get its stack", "[gpu]")
{
	GpuCorrelator c;
	c.add_launch(launch(1, 20, 0xbb, 311), 0);
	for (int i = 0; i < 4; i++) {
		GpuActivity k = kernel(1, 20, 100 + static_cast<uint64_t>(i), "_Z4stepv");
		k.graph_id = 3;
		c.add_activity(k, 1);
	}
	auto out = c.take(2, true);
	REQUIRE(out.size() == 1);
	CHECK(out[0].count == 4);
	CHECK(out[0].weight == 100 + 101 + 102 + 103);
	CHECK(out[0].gpu().leaf == "[GPU_Kernel]step()");
	CHECK(c.stats().launches_without_work == 0);
}

TEST_CASE("gpu correlator: nanoseconds are conserved in any arrival order", "[gpu]")
{
	// 200 launches on two stacks, 300 records (some of launches never
	// made, some launches without work), shuffled deterministically.
	for (uint32_t seed : {1u, 7u, 42u}) {
		GpuCorrelatorOptions o;
		o.grace_ns = 1'000'000;
		GpuCorrelator c(o);
		struct Item {
			bool is_launch;
			uint32_t corr;
			uint64_t ns;
		};
		std::vector<Item> items;
		uint64_t expected = 0;
		for (uint32_t corr = 1; corr <= 200; corr++)
			items.push_back({true, corr, 0});
		for (uint32_t i = 0; i < 300; i++) {
			uint32_t corr = 1 + (i * 7) % 230;  // 201..230: never launched
			uint64_t ns = 10 + i;
			items.push_back({false, corr, ns});
			expected += ns;
		}
		uint32_t x = seed;
		for (size_t i = items.size() - 1; i > 0; i--) {
			x = x * 1103515245 + 12345;
			std::swap(items[i], items[(x >> 8) % (i + 1)]);
		}
		uint64_t t = 0;
		std::vector<Event> all;
		for (const auto &it : items) {
			if (it.is_launch)
				c.add_launch(launch(1, it.corr, it.corr % 2 ? 0xa : 0xb), t++);
			else
				c.add_activity(kernel(1, it.corr, it.ns), t++);
			if (t % 50 == 0)
				for (auto &g : c.take(t, false))
					all.push_back(g);
		}
		for (auto &g : c.take(t, true))
			all.push_back(g);
		INFO("seed " << seed);
		CHECK(total_ns(all) == expected);
		CHECK(c.stats().gpu_ns == expected);
		CHECK(c.stats().matched + c.stats().unmatched == 300);
		CHECK(c.activities_waiting() == 0);
		CHECK(c.launches_held() == 0);
	}
}

TEST_CASE("gpu correlator: correlation ids wrap", "[gpu]")
{
	GpuCorrelator c;
	c.add_launch(launch(1, 0xffffffffu, 0xa1), 0);
	c.add_activity(kernel(1, 0xffffffffu, 10), 1);
	c.add_launch(launch(1, 0, 0xa2), 2);
	c.add_activity(kernel(1, 0, 20), 3);
	// Much later the id comes round again: the newer launch wins.
	c.add_launch(launch(1, 0xffffffffu, 0xa3), 4);
	c.add_activity(kernel(1, 0xffffffffu, 40), 5);
	auto out = c.take(6, true);
	REQUIRE(find(out, 0xa1));
	CHECK(find(out, 0xa1)->weight == 10);
	CHECK(find(out, 0xa2)->weight == 20);
	CHECK(find(out, 0xa3)->weight == 40);
}

TEST_CASE("gpu correlator: processes do not share ids", "[gpu]")
{
	GpuCorrelator c;
	c.add_launch(launch(1, 5, 0xa), 0);
	c.add_launch(launch(2, 5, 0xb), 0);
	c.add_activity(kernel(2, 5, 70), 1);
	auto out = c.take(2, true);
	REQUIRE(out.size() == 1);
	CHECK(out[0].where.pid == 2);
	CHECK(out[0].where.ustack == 0xb);
	CHECK(c.stats().launches_without_work == 1);  // pid 1's launch
}

TEST_CASE("gpu correlator: the launch table is bounded", "[gpu]")
{
	GpuCorrelatorOptions o;
	o.max_launches = 100;
	GpuCorrelator c(o);
	for (uint32_t corr = 0; corr < 1000; corr++)
		c.add_launch(launch(1, corr, 0xa), corr);
	CHECK(c.launches_held() == 100);
	CHECK(c.stats().evicted_early == 900);
	c.add_activity(kernel(1, 999, 5), 1000);  // recent: still joined
	c.add_activity(kernel(1, 0, 5), 1000);    // evicted: no stack
	auto out = c.take(1001, true);
	CHECK(find(out, 0xa)->weight == 5);
	CHECK(find(out, 0, false)->weight == 5);
}

TEST_CASE("gpu correlator: launches age out after keep", "[gpu]")
{
	GpuCorrelatorOptions o;
	o.keep_ns = 1000;
	GpuCorrelator c(o);
	c.add_launch(launch(1, 1, 0xa), 0);
	c.add_launch(launch(1, 2, 0xa), 900);
	(void)c.take(1500, false);
	CHECK(c.launches_held() == 1);
	CHECK(c.stats().launches_without_work == 1);
}

TEST_CASE("gpu frames: leaf names", "[gpu]")
{
	GpuActivity m;
	m.kind = GpuKind::memcpy;
	m.copy_kind = gpu_proto::kCopyHtoD;
	m.src_kind = gpu_proto::kMemPageable;
	m.dst_kind = gpu_proto::kMemDevice;
	CHECK(gpu_leaf_frame(m) == "[GPU_Memcpy]HtoD(pageable)");
	m.copy_kind = gpu_proto::kCopyDtoH;
	m.src_kind = gpu_proto::kMemDevice;
	m.dst_kind = gpu_proto::kMemPinned;
	CHECK(gpu_leaf_frame(m) == "[GPU_Memcpy]DtoH");
	GpuActivity z;
	z.kind = GpuKind::memset;
	CHECK(gpu_leaf_frame(z) == "[GPU_Memset]");
	GpuActivity k;
	k.name = "not;mangled";
	CHECK(gpu_leaf_frame(k) == "[GPU_Kernel]not:mangled");
	CHECK(api_frame("cudaLaunchKernel_v7000") == "cudaLaunchKernel");
	CHECK(api_frame("cuLaunchKernel") == "cuLaunchKernel");
	CHECK(api_frame("cudaGraphLaunch_v10000") == "cudaGraphLaunch");
	CHECK(api_frame("my_vfunc") == "my_vfunc");
	CHECK(gpu_stream_frame(1, 7) == "[GPU_Stream]1:7");
}

TEST_CASE("gpu frames: what belongs to the CUDA stack", "[gpu]")
{
	CHECK(is_cuda_module("[libcuda.so.1]"));
	CHECK(is_cuda_module("[libcudart.so.13]"));
	CHECK(is_cuda_module("[libcupti.so.13]"));
	CHECK(is_cuda_module("[libxpu_cupti.so]"));
	CHECK_FALSE(is_cuda_module("[libc.so.6]"));
	CHECK_FALSE(is_cuda_module("[trainer]"));
	CHECK(is_cuda_runtime_symbol("cudaLaunchKernel"));
	CHECK(is_cuda_runtime_symbol("__cudaLaunchKernel"));
	CHECK(is_cuda_runtime_symbol("cudart::cudaApiLaunchKernel(void const*)"));
	CHECK(is_cuda_runtime_symbol("cuLaunchKernel"));
	CHECK_FALSE(is_cuda_runtime_symbol("cuda_helper"));
	CHECK_FALSE(is_cuda_runtime_symbol("cube"));
	CHECK_FALSE(is_cuda_runtime_symbol("launch_vector_add"));
}
