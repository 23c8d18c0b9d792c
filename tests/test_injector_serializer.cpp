// The injector's serializer on real CUPTI records (structs from the CUDA
// headers): the lines of protocol v1, name dedupe, escaping, truncation and
// frames, and tests/fixtures/gpu/serializer_golden.stream byte for byte (the
// profiler's reader tests parse that same file). Also the buffer-completed
// path through the real libcupti's record iterator, which works without a
// driver.
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cupti-injector/proto_lines.hpp"
#include "helpers.hpp"

using namespace xpu::injector;

namespace {

std::vector<std::string> lines_of(const std::string &text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	return out;
}

std::string concat(const std::vector<Frame> &frames)
{
	std::string s;
	for (const auto &f : frames)
		s += f.bytes;
	return s;
}

}  // namespace

TEST_CASE("protocol lines: fields, escaping, H/D/W/E", "[injector]")
{
	std::string s;
	LineBuilder(s, 'W', 7).num(999).text("a\tb\\c\nd").end();
	CHECK(s == "W\t7\t999\ta\\tb\\\\c\\nd\n");
	CHECK(hello_line(42, 1, "MONO", 130001, 5, "my app") == "H\t42\t1.0\t1\tMONO\t130001\t5\tmy app\n");
	StreamStats st{1, 2, 3, 4, 5, 6};
	CHECK(stats_line(42, st) == "D\t42\t1\t2\t3\t4\t5\n");
	// E's dropped: everything lost, CUPTI's drops and the records of lost frames.
	CHECK(end_line(42, "atexit", st) == "E\t42\tatexit\t5\t7\n");
	CHECK(warning_line(42, 0, std::string(5000, 'x')).size() < 1100);
}

TEST_CASE("frames: whole lines, at most 4096 bytes, in order", "[injector]")
{
	FrameBuilder fb;
	std::string all;
	for (int i = 0; i < 3000; i++) {
		std::string line;
		LineBuilder(line, 'K', 1).num(static_cast<uint64_t>(i) * 7919).word(std::string(i % 97, 'n')).end();
		all += line;
		fb.add(line, true);
	}
	std::string big(4097, 'x');
	fb.add(big, false);  // cannot be written atomically: dropped, counted
	auto frames = fb.take();
	CHECK(fb.oversize_lines() == 1);
	CHECK(frames.size() > 20);
	uint32_t records = 0;
	for (const auto &f : frames) {
		CHECK(f.bytes.size() <= 4096);
		CHECK(f.bytes.back() == '\n');
		CHECK(f.bytes[0] == 'K');
		records += f.records;
	}
	CHECK(records == 3000);
	CHECK(lines_of(concat(frames)).size() == 3000);
	CHECK(concat(frames) == all);
	CHECK(fb.take().empty());
}

#ifdef XPU_HAVE_CUPTI

#include "cupti-injector/activity_buffer.hpp"
#include "cupti-injector/cupti_api.hpp"
#include "cupti-injector/serializer.hpp"

namespace {

CUpti_ActivityKernel10 kernel(uint32_t corr, uint64_t start, uint64_t end, const char *name)
{
	CUpti_ActivityKernel10 k{};
	k.kind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
	k.correlationId = corr;
	k.start = start;
	k.end = end;
	k.deviceId = 0;
	k.contextId = 1;
	k.streamId = 7;
	k.name = name;
	k.gridX = 4;
	k.gridY = 1;
	k.gridZ = 1;
	k.blockX = 256;
	k.blockY = 1;
	k.blockZ = 1;
	return k;
}

CUpti_ActivityMemcpy6 memcpy_rec(uint32_t corr, uint8_t kind, uint8_t src, uint8_t dst, uint64_t bytes)
{
	CUpti_ActivityMemcpy6 m{};
	m.kind = CUPTI_ACTIVITY_KIND_MEMCPY;
	m.correlationId = corr;
	m.copyKind = kind;
	m.srcKind = src;
	m.dstKind = dst;
	m.bytes = bytes;
	m.start = 1000 + corr;
	m.end = 2000 + corr;
	m.contextId = 1;
	m.streamId = 7;
	return m;
}

CUpti_ActivityAPI api_rec(CUpti_ActivityKind kind, uint32_t cbid, uint32_t corr, uint32_t tid)
{
	CUpti_ActivityAPI a{};
	a.kind = kind;
	a.cbid = cbid;
	a.correlationId = corr;
	a.threadId = tid;
	a.processId = 4242;
	a.start = 1500 + corr;
	a.end = 1900 + corr;
	return a;
}

template <class T> const CUpti_Activity &as_record(const T &r)
{
	return reinterpret_cast<const CUpti_Activity &>(r);
}

// The golden stream: two processes sharing one FIFO (a parent and a child
// that inherited XPU_PERF_PIPE), their frames interleaved as the kernel
// would interleave their writes. Every record type the injector writes.
std::string golden_stream()
{
	FrameBuilder a, b;
	Serializer sa(4242, 130001), sb(4300, 130001);
	a.add(hello_line(4242, 1, "MONO", 130001, 1000000, "vector_add"), false);
	b.add(hello_line(4300, 4242, "MONO", 130001, 1500000, "worker"), false);

	const char *vadd = "_Z9vectorAddPKfS0_Pfi";
	const char *odd = "odd\tname\\with\nnewline";
	sa.add(as_record(kernel(11, 2000, 3000, vadd)), a);
	sa.add(as_record(kernel(12, 3100, 4100, vadd)), a);  // same name: no second S
	sa.add(as_record(kernel(13, 4200, 4300, odd)), a);   // escaped
	sa.add(as_record(kernel(14, 0, 0, vadd)), a);        // no timing
	sa.add(as_record(kernel(15, 5000, 0, vadd)), a);     // still running at a forced flush
	auto g = kernel(20, 6000, 6500, "_Z4stepv");
	g.graphId = 3;
	g.graphNodeId = 77;
	sa.add(as_record(g), a);
	auto dev = kernel(21, 6600, 6700, "_Z5childv");
	dev.isDeviceLaunched = 1;
	sa.add(as_record(dev), a);
	sa.add(as_record(memcpy_rec(30, CUPTI_ACTIVITY_MEMCPY_KIND_HTOD, CUPTI_ACTIVITY_MEMORY_KIND_PAGEABLE,
				    CUPTI_ACTIVITY_MEMORY_KIND_DEVICE, 4096)),
	       a);
	sa.add(as_record(memcpy_rec(31, CUPTI_ACTIVITY_MEMCPY_KIND_DTOH, CUPTI_ACTIVITY_MEMORY_KIND_DEVICE,
				    CUPTI_ACTIVITY_MEMORY_KIND_PINNED, 1 << 20)),
	       a);
	CUpti_ActivityMemcpyPtoP4 p{};
	p.kind = CUPTI_ACTIVITY_KIND_MEMCPY2;
	p.correlationId = 32;
	p.copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_PTOP;
	p.srcKind = p.dstKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
	p.bytes = 65536;
	p.start = 7000;
	p.end = 7100;
	p.deviceId = 0;
	p.contextId = 1;
	p.streamId = 8;
	p.srcDeviceId = 0;
	p.dstDeviceId = 1;
	sa.add(as_record(p), a);
	CUpti_ActivityMemset4 z{};
	z.kind = CUPTI_ACTIVITY_KIND_MEMSET;
	z.correlationId = 40;
	z.start = 7200;
	z.end = 7250;
	z.bytes = 1024;
	z.value = 255;
	z.contextId = 1;
	z.streamId = 7;
	sa.add(as_record(z), a);
	CUpti_ActivitySynchronization2 y{};
	y.kind = CUPTI_ACTIVITY_KIND_SYNCHRONIZATION;
	y.type = CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE;
	y.correlationId = 50;
	y.start = 7300;
	y.end = 7400;
	y.contextId = 1;
	y.streamId = 7;
	sa.add(as_record(y), a);
	y.type = CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_EVENT_SYNCHRONIZE;
	y.correlationId = 51;
	y.cudaEventId = 9;
	sa.add(as_record(y), a);
	sa.add(as_record(api_rec(CUPTI_ACTIVITY_KIND_RUNTIME, 211, 11, 4243)), a);
	sa.add(as_record(api_rec(CUPTI_ACTIVITY_KIND_DRIVER, 307, 60, 4243)), a);
	CUpti_ActivityGraphTrace2 gt{};
	gt.kind = CUPTI_ACTIVITY_KIND_GRAPH_TRACE;
	gt.correlationId = 20;
	gt.start = 5900;
	gt.end = 6600;
	gt.graphId = 3;
	gt.streamId = 7;
	sa.add(as_record(gt), a);
	// The child: its own name ids.
	sb.add(as_record(kernel(5, 9000, 9900, "_Z6workerPi")), b);
	sb.add(as_record(kernel(6, 10000, 10900, vadd)), b);

	a.add(warning_line(4242, 0, "XPU_PERF_CONNECT_MS=abc: not a number; using 2000"), false);
	StreamStats st{0, 0, 0, 2048, 16, 0};
	a.add(stats_line(4242, st), false);
	a.add(end_line(4242, "atexit", st), false);
	StreamStats sbst{0, 0, 0, 512, 2, 0};
	b.add(end_line(4300, "atexit", sbst), false);

	// Interleave six lines of A with two of B, as a reader sees the whole
	// frames of two writers arrive (real frames hold more lines).
	std::string ta = concat(a.take()), tb = concat(b.take());
	auto la = lines_of(ta), lb = lines_of(tb);
	std::string out;
	size_t ia = 0, ib = 0;
	while (ia < la.size() || ib < lb.size()) {
		for (int n = 0; n < 6 && ia < la.size(); n++)
			out += la[ia++] + "\n";
		for (int n = 0; n < 2 && ib < lb.size(); n++)
			out += lb[ib++] + "\n";
	}
	return out;
}

std::string golden_path()
{
	return xpu::test::build_dir() + "/../tests/fixtures/gpu/serializer_golden.stream";
}

}  // namespace

TEST_CASE("serializer: golden stream, byte for byte", "[injector]")
{
	std::string got = golden_stream();
	if (getenv("XPU_UPDATE_GOLDEN")) {
		FILE *f = fopen(golden_path().c_str(), "w");
		REQUIRE(f);
		fwrite(got.data(), 1, got.size(), f);
		fclose(f);
	}
	std::string want = xpu::test::read_file(golden_path());
	REQUIRE(!want.empty());
	CHECK(got == want);
}

TEST_CASE("serializer: kernel line fields and name dedupe", "[injector]")
{
	FrameBuilder fb;
	Serializer s(9, 130001);
	auto k = kernel(11, 2000, 3000, "_Z1fv");
	k.gridY = 2;
	k.blockZ = 3;
	s.kernel(k, fb);
	s.kernel(kernel(12, 0, 0, "_Z1fv"), fb);
	s.kernel(kernel(13, 1, 2, nullptr), fb);
	auto l = lines_of(concat(fb.take()));
	REQUIRE(l.size() == 4);
	CHECK(l[0] == "S\t9\t1\t5\t_Z1fv");
	CHECK(l[1] == "K\t9\t11\t2000\t3000\t0\t1\t7\t1\t0\t0\t4\t2\t1\t256\t1\t3\t0");
	CHECK(l[2] == "K\t9\t12\t0\t0\t0\t1\t7\t1\t0\t0\t4\t1\t1\t256\t1\t1\t2");
	CHECK(l[3] == "K\t9\t13\t1\t2\t0\t1\t7\t0\t0\t0\t4\t1\t1\t256\t1\t1\t0");
	// Dedupe is by content, not pointer: a copy of the name is the same name.
	std::string copy = "_Z1fv";
	s.kernel(kernel(14, 5, 6, copy.c_str()), fb);
	CHECK(lines_of(concat(fb.take())).size() == 1);
}

TEST_CASE("serializer: device-launched flag only from a CUPTI 13 record", "[injector]")
{
	auto k = kernel(1, 10, 20, "_Z1gv");
	k.isDeviceLaunched = 1;
	FrameBuilder fb;
	Serializer new_cupti(1, 130000), old_cupti(1, 120800);
	new_cupti.kernel(k, fb);
	old_cupti.kernel(k, fb);  // a Kernel9 has no such field: the byte is not its
	auto l = lines_of(concat(fb.take()));
	REQUIRE(l.size() == 4);
	CHECK(l[1].substr(l[1].rfind('\t')) == "\t1");
	CHECK(l[3].substr(l[3].rfind('\t')) == "\t0");
}

TEST_CASE("serializer: timing flags", "[injector]")
{
	CHECK(timing_flags(10, 20) == 0);
	CHECK(timing_flags(0, 0) == xpu::gpu_proto::kFlagNoTimestamps);
	CHECK(timing_flags(10, 0) == xpu::gpu_proto::kFlagIncomplete);
	CHECK(timing_flags(10, 5) == xpu::gpu_proto::kFlagIncomplete);
}

TEST_CASE("serializer: a huge name is cut to fit one frame, escapes kept whole", "[injector]")
{
	std::string name(3000, 'a');
	name += std::string(2000, '\t');  // each escapes to 2 bytes
	FrameBuilder fb;
	Serializer s(123456, 130001);
	s.kernel(kernel(1, 1, 2, name.c_str()), fb);
	auto frames = fb.take();
	REQUIRE(frames.size() == 2);  // the S line fills one frame by itself
	const std::string &sline = frames[0].bytes;
	CHECK(sline.size() <= 4096);
	CHECK(sline.size() >= 4094);
	CHECK(sline.starts_with("S\t123456\t1\t5000\taaa"));
	CHECK(sline.ends_with("\\t\n"));
	CHECK(frames[0].records == 0);
	CHECK(frames[1].records == 1);
}

TEST_CASE("serializer: names are sent again after frames were dropped", "[injector]")
{
	FrameBuilder fb;
	Serializer s(1, 130001);
	s.kernel(kernel(1, 1, 2, "_Z1fv"), fb);
	fb.take();
	s.resend_names();
	s.kernel(kernel(2, 3, 4, "_Z1fv"), fb);
	auto l = lines_of(concat(fb.take()));
	REQUIRE(l.size() == 2);
	CHECK(l[0] == "S\t1\t1\t5\t_Z1fv");  // same id
}

TEST_CASE("serializer: kinds it does not send are counted", "[injector]")
{
	CUpti_ActivityExternalCorrelation x{};
	x.kind = CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION;
	FrameBuilder fb;
	Serializer s(1, 130001);
	CHECK(!s.add(as_record(x), fb));
	CHECK(s.unknown_records() == 1);
	CHECK(fb.take().empty());
}

TEST_CASE("buffer completed: real libcupti iterates a hand-built buffer", "[injector]")
{
	CuptiApi api;
	std::string error;
	if (!load_cupti(api, error)) {
		XPU_SKIP(error);
	}
	// Records as CUPTI lays them out: back to back, 8-byte aligned.
	alignas(8) uint8_t buf[sizeof(CUpti_ActivityKernel10) + sizeof(CUpti_ActivityAPI)];
	auto k = kernel(515, 100, 200, "_Z3addPfS_");
	auto a = api_rec(CUPTI_ACTIVITY_KIND_RUNTIME, 211, 515, 77);
	memcpy(buf, &k, sizeof(k));
	memcpy(buf + sizeof(k), &a, sizeof(a));
	Serializer s(5, 130001);
	FrameBuilder fb;
	DrainCounts c = drain_buffer(api, buf, sizeof(buf), s, fb);
	CHECK(c.records == 2);
	CHECK(c.sent == 2);
	CHECK(!c.error);
	auto l = lines_of(concat(fb.take()));
	REQUIRE(l.size() == 3);
	CHECK(l[0] == "S\t5\t1\t10\t_Z3addPfS_");
	CHECK(l[1].starts_with("K\t5\t515\t100\t200\t"));
	CHECK(l[2] == "A\t5\t77\t515\tR\t211\t2015\t2415\t0");
	// An empty buffer: nothing, no error.
	c = drain_buffer(api, buf, 0, s, fb);
	CHECK(c.records == 0);
}

TEST_CASE("libcupti search order", "[injector]")
{
	std::string maps =
		"7f00-7f10 r-xp 00000000 08:01 1 /opt/venv/nvidia/cuda_runtime/lib/libcudart.so.12\n"
		"7f20-7f30 r-xp 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libcuda.so.570.1\n";
	auto c = cupti_candidates("/my/libcupti.so", maps, "/opt/cuda");
	REQUIRE(c.size() > 8);
	CHECK(c[0] == "/my/libcupti.so");
	CHECK(c[1] == "/opt/venv/nvidia/cuda_runtime/lib/libcupti.so.12");
	CHECK(std::find(c.begin(), c.end(), "/opt/venv/nvidia/cuda_runtime/lib/../../cuda_cupti/lib/libcupti.so.12") !=
	      c.end());
	CHECK(std::find(c.begin(), c.end(), "/usr/lib/x86_64-linux-gnu/libcupti.so.12") != c.end());
	CHECK(std::find(c.begin(), c.end(), "libcupti.so.13") != c.end());
	CHECK(c.back() == "/opt/cuda/extras/CUPTI/lib64/libcupti.so");
	// No env, nothing mapped: the linker's search, then CUDA_HOME's default.
	auto d = cupti_candidates(nullptr, "", nullptr);
	CHECK(d[0] == "libcupti.so.13");
	CHECK(d.back() == "/usr/local/cuda/extras/CUPTI/lib64/libcupti.so");
}

#else

TEST_CASE("serializer: CUPTI records", "[injector]")
{
	CHECK(!xpu::gpu_proto::kProtoVersion[3]);
	XPU_SKIP("built without CUDA's CUPTI headers (CUDA_HOME); serializer tests on CUPTI structs skipped");
}

#endif
