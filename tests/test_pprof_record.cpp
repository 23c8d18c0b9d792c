// record --pprof's parts with exact values: the PprofWriter's mappings and
// renumbering, the symbolizer's frame addresses and mappings on a live
// fixture, the kernel's build id from its notes, and record_pprof_message
// on a synthetic SampleSet (units, labels, merged samples, frames with no
// address).
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fixture_process.hpp"
#include "output/export_pprof.hpp"
#include "output/writer_folded.hpp"
#include "output/pprof_record.hpp"
#include "profile/profile_builder.hpp"
#include "output/pprof_writer.hpp"
#include "profile.pb.h"
#include "symbolize/elf_file.hpp"
#include "symbolize/ksyms.hpp"
#include "symbolize/symbolizer.hpp"
#include "thread_stacks.hpp"

using namespace xpu;
using xpu::test::FixtureProcess;
using xpu::test::fixture_path;

namespace {

perftools::profiles::Profile parse(const std::string &msg)
{
	perftools::profiles::Profile p;
	REQUIRE(p.ParseFromString(msg));
	return p;
}

std::string str(const perftools::profiles::Profile &p, int64_t i)
{
	return p.string_table(static_cast<int>(i));
}

// A note as the kernel lays them out: header words, name and descriptor
// padded to 4 bytes.
void add_note(std::string &out, std::string_view name, std::string_view desc, uint32_t type)
{
	uint32_t h[3] = {static_cast<uint32_t>(name.size()), static_cast<uint32_t>(desc.size()), type};
	out.append(reinterpret_cast<const char *>(h), sizeof(h));
	out.append(name);
	out.append((4 - name.size() % 4) % 4, '\0');
	out.append(desc);
	out.append((4 - desc.size() % 4) % 4, '\0');
}

}  // namespace

TEST_CASE("pprof writer: mappings interned, the main one moved first with its locations",
	  "[pprof]")
{
	PprofWriter w;
	w.add_sample_type("samples", "count");
	uint64_t lib = w.mapping({.start = 0x7f0000, .limit = 0x7f1000, .offset = 0x1000,
				  .file = "/lib/libc.so.6", .build_id = "aa"});
	uint64_t exe = w.mapping({.start = 0x5000, .limit = 0x6000, .offset = 0,
				  .file = "/bin/app", .build_id = "bb"});
	CHECK(lib == 1);
	CHECK(exe == 2);
	CHECK(w.mapping({.start = 0x5000, .limit = 0x6000, .offset = 0, .file = "/bin/app",
			 .build_id = "bb"}) == 2);
	std::vector<std::string_view> f = {"main"}, g = {"printf"};
	uint64_t in_exe = w.location(f, exe, 0x5010);
	uint64_t in_lib = w.location(g, lib, 0x7f0100);
	// The same function at another address is another location.
	CHECK(w.location(f, exe, 0x5020) == 3);
	w.put_mapping_first(exe);
	// Lookups after the move find the renumbered mappings and locations.
	CHECK(w.mapping({.start = 0x5000, .limit = 0x6000, .offset = 0, .file = "/bin/app",
			 .build_id = "bb"}) == 1);
	CHECK(w.location(f, 1, 0x5010) == in_exe);
	CHECK(w.location(g, 2, 0x7f0100) == in_lib);
	auto p = parse(w.serialize());
	REQUIRE(p.mapping_size() == 2);
	CHECK(p.mapping(0).id() == 1);
	CHECK(str(p, p.mapping(0).filename()) == "/bin/app");
	CHECK(str(p, p.mapping(0).build_id()) == "bb");
	CHECK(p.mapping(0).memory_start() == 0x5000);
	CHECK(p.mapping(0).has_functions());
	CHECK(p.mapping(1).id() == 2);
	CHECK(p.mapping(1).file_offset() == 0x1000);
	CHECK(p.location(static_cast<int>(in_exe - 1)).mapping_id() == 1);
	CHECK(p.location(static_cast<int>(in_lib - 1)).mapping_id() == 2);
	CHECK(p.location(static_cast<int>(in_exe - 1)).address() == 0x5010);
}

TEST_CASE("pprof writer: an inlined frame is a line of its caller's location", "[pprof]")
{
	PprofWriter w;
	std::vector<std::string_view> run = {"outer", "inner_[i]", "leaf_[i]"};
	uint64_t l = w.location(run, 0, 0);
	auto p = parse(w.serialize());
	REQUIRE(p.location_size() == 1);
	const auto &loc = p.location(static_cast<int>(l - 1));
	REQUIRE(loc.line_size() == 3);
	std::vector<std::string> names;
	for (const auto &line : loc.line())
		names.push_back(str(p, p.function(static_cast<int>(line.function_id() - 1)).name()));
	CHECK(names == std::vector<std::string>{"leaf", "inner", "outer"});
}

TEST_CASE("kernel build id: the GNU build-id note among the kernel's notes", "[ksyms]")
{
	std::string desc;
	for (char c = 0; c < 20; c++)
		desc += c;
	std::string notes;
	add_note(notes, std::string_view("Xen\0", 4), "abcd", 6);
	add_note(notes, std::string_view("GNU\0", 4), "xyz", 1);  // an ABI tag: not it
	add_note(notes, std::string_view("GNU\0", 4), desc, 3);
	CHECK(build_id_from_notes(notes) == "000102030405060708090a0b0c0d0e0f10111213");
	CHECK(build_id_from_notes(notes.substr(0, notes.size() - 8)) == "");  // cut short
	CHECK(build_id_from_notes("") == "");
}

TEST_CASE("symbolizer: frame addresses and mappings for pprof", "[symbolizer]")
{
	FixtureProcess p(fixture_path("symbols_pie"));
	Symbolizer s({.inlines = true, .mappings = true});
	REQUIRE(s.snapshot(p.pid(), 0));
	uint64_t leaf = p.addr("plain_c_function"), ret = p.addr("inline_return");
	uint64_t lib = p.addr("lib_function");
	uint64_t ips[] = {leaf, ret, lib + 1};
	std::vector<FrameAddress> where;
	auto frames = s.user_stack(p.pid(), 0, ips, &where);
	REQUIRE(frames == std::vector<std::string>{"fixture_lib_function", "fixture::inline_caller(int)",
						   "fixture::inlined_helper(int)_[i]",
						   "plain_c_function"});
	REQUIRE(where.size() == 4);
	// Callers at their return address - 1, the address symbolized; the
	// inlined frame shares its caller's; the leaf at the pc itself.
	CHECK(where[0].addr == lib);
	CHECK(where[1].addr == ret - 1);
	CHECK(where[2].addr == ret - 1);
	CHECK(where[3].addr == leaf);
	REQUIRE(where[3].mapping);
	const CodeMapping &exe = *where[3].mapping;
	std::string path = std::filesystem::canonical(fixture_path("symbols_pie"));
	CHECK(exe.path == path);
	CHECK(exe.main_binary);
	CHECK(exe.start <= leaf);
	CHECK(leaf < exe.end);
	auto elf = ElfFile::open_path(path);
	REQUIRE(elf);
	CHECK(exe.build_id == (*elf)->build_id());
	CHECK(exe.build_id.size() == 40);
	CHECK(where[1].mapping == where[3].mapping);
	REQUIRE(where[0].mapping);
	CHECK(where[0].mapping->path.ends_with("/libfixture.so"));
	CHECK_FALSE(where[0].mapping->main_binary);
	// Without `where`, the same frames.
	CHECK(s.user_stack(p.pid(), 0, ips) == frames);
}

TEST_CASE("record pprof: each layer in its unit, thread labels, frames of no address",
	  "[pprof]")
{
	using test::thread_stacks;
	ThreadStacks app = thread_stacks(10, 11, "app"), io = thread_stacks(10, 12, "io");
	EventSet set;
	set.events.push_back(cpu_sample_event(app, 3));
	set.events.push_back(cpu_sample_event(app, 2));  // the same stack and thread: one sample of 5
	OffCpuAttrs sleeping;
	sleeping.state = 'S';
	set.events.push_back(offcpu_event(io, sleeping, 1234567, 1));
	Event timed = offcpu_event(io, sleeping, 0, 0);  // a timeline's copy: no weight, no sample
	timed.start_ns = 5;
	timed.dur_ns = 1234567;
	set.events.push_back(timed);
	set.events.push_back(gpu_event(EventKind::gpu_work, thread_stacks(10, 0, "app"),
				       {.launched = false, .api = "", .stream = "[GPU_Stream]0:7", .leaf = "[GPU_Kernel]k"},
				       7001, 1));
	set.events.push_back(gpu_event(EventKind::gpu_launch, app,
				       {.launched = true, .api = "cudaLaunchKernel", .stream = "", .leaf = "[GPU_Launch]"},
				       4, 4));
	set.events.push_back(net_event(app, {NetDir::send, "127.0.0.1:80"}, 4000, 2));
	set.events.push_back(net_event(app, {NetDir::send, "127.0.0.1:80"}, 0, 1));  // no bytes: no sample
	Symbolizer sym;
	PprofRecordStats st;
	auto p = parse(record_pprof_message(set, sym, StackLayout{.freq = 100},
					    {.time_nanos = 1000, .duration_nanos = 2000}, &st));
	std::vector<std::string> types;
	for (const auto &t : p.sample_type())
		types.push_back(str(p, t.type()) + "/" + str(p, t.unit()));
	CHECK(types == std::vector<std::string>{"samples/count", "cpu/nanoseconds",
						"offcpu/nanoseconds", "gpu/nanoseconds",
						"gpu_launches/count", "net/bytes"});
	CHECK(str(p, p.default_sample_type()) == "samples");
	CHECK(p.period() == 10000000);
	CHECK(p.time_nanos() == 1000);
	CHECK(p.duration_nanos() == 2000);
	CHECK(st.samples == 5);
	CHECK(st.mappings == 0);  // no user or kernel frames here
	// Each sample by its stack (function names root first) and labels.
	std::map<std::string, std::vector<int64_t>> values;
	std::map<std::string, std::string> labels;
	for (const auto &s : p.sample()) {
		std::string stack;
		for (int i = s.location_id_size(); i-- > 0;) {
			const auto &loc = p.location(static_cast<int>(s.location_id(i) - 1));
			CHECK(loc.mapping_id() == 0);
			CHECK(loc.address() == 0);
			for (const auto &line : loc.line())
				stack += (stack.empty() ? "" : ";") +
					 str(p, p.function(static_cast<int>(line.function_id() - 1)).name());
		}
		values[stack] = {s.value().begin(), s.value().end()};
		std::string l;
		for (const auto &label : s.label())
			l += str(p, label.key()) + "=" +
			     (label.str() ? str(p, label.str()) : std::to_string(label.num())) + " ";
		labels[stack] = l;
	}
	using V = std::vector<int64_t>;
	CHECK(values == std::map<std::string, V>{
				{"app", V{5, 50000000, 0, 0, 0, 0}},
				{"io;[off-cpu:S]", V{0, 0, 1234567, 0, 0, 0}},
				{"app;[no_cpu_stack];[GPU_Stream]0:7;[GPU_Kernel]k", V{0, 0, 0, 7001, 0, 0}},
				{"app;cudaLaunchKernel;[GPU_Launch]", V{0, 0, 0, 0, 4, 0}},
				{"app;[net:send]127.0.0.1:80", V{0, 0, 0, 0, 0, 4000}}});
	CHECK(labels["app"] == "pid=10 tid=11 comm=app ");
	CHECK(labels["io;[off-cpu:S]"] == "pid=10 tid=12 comm=io ");
	// GPU work no launch matched: no thread, but its device and stream.
	CHECK(labels["app;[no_cpu_stack];[GPU_Stream]0:7;[GPU_Kernel]k"] ==
	      "pid=10 comm=app gpu_device=0 gpu_stream=7 ");
}

TEST_CASE("report pprof: a 'comm-PID' root whose number overflows gets no pid label", "[pprof]")
{
	// Found by the writers fuzzer: std::stoll threw out_of_range here.
	xpu::StackTree t;
	t.add("app-99999999999999999999999;main", 3);
	t.add("app-42;main", 2);
	auto p = parse(to_pprof_message(t));
	std::vector<std::string> keys;
	for (const auto &s : p.sample())
		for (const auto &l : s.label())
			keys.push_back(str(p, l.key()) + "=" + (l.str() ? str(p, l.str()) : std::to_string(l.num())));
	std::sort(keys.begin(), keys.end());
	CHECK(keys == std::vector<std::string>{"comm=app", "comm=app", "pid=42"});
}

TEST_CASE("report pprof: [GPU_Launch] stacks are launch counts, never time", "[pprof]")
{
	// Folded weights of [GPU_Launch] stacks are launches (record -p, or CUPTI
	// held by another tool): the gpu column would have made 892 launches
	// 9 s of GPU time at 99 Hz.
	xpu::StackTree t;
	t.add("app;main;work", 10);
	t.add("app;main;cudaLaunchKernel;[GPU_Launch]", 892);
	auto p = parse(to_pprof_message(t, nullptr, {.freq = 99}));
	std::vector<std::string> types;
	for (const auto &st : p.sample_type())
		types.push_back(str(p, st.type()) + "/" + str(p, st.unit()));
	CHECK(types == std::vector<std::string>{"samples/count", "cpu/nanoseconds", "gpu_launches/count"});
	std::map<size_t, std::vector<int64_t>> by_depth;
	for (const auto &s : p.sample())
		by_depth[static_cast<size_t>(s.location_id_size())].assign(s.value().begin(), s.value().end());
	CHECK(by_depth[3] == std::vector<int64_t>{10, 101010101, 0});
	CHECK(by_depth[4] == std::vector<int64_t>{0, 0, 892});
}

TEST_CASE("record pprof: the same stacks as the folded profile, which the mappings option leaves alone",
	  "[symbolizer]")
{
	FixtureProcess proc(fixture_path("symbols_pie"));
	EventSet set;
	set.stacks[7] = {proc.addr("plain_c_function"), proc.addr("inline_return"),
			 proc.addr("lib_function") + 1};
	ThreadStacks t;
	t.pid = proc.pid();
	t.tid = proc.pid();
	t.comm = "symbols_pie";
	t.ustack = 7;
	set.events.push_back(cpu_sample_event(t, 6));
	StackLayout layout{.freq = 50};
	Symbolizer plain({.inlines = true});
	Symbolizer mapped({.inlines = true, .mappings = true});
	REQUIRE(plain.snapshot(proc.pid(), 0));
	REQUIRE(mapped.snapshot(proc.pid(), 0));
	Profile a = build_profile(set, plain, layout);
	Profile b = build_profile(set, mapped, layout);
	const std::string folded = "symbols_pie;fixture_lib_function;fixture::inline_caller(int);"
				   "fixture::inlined_helper(int)_[i];plain_c_function";
	CHECK(to_folded(a) == folded + " 6\n");
	CHECK(to_folded(b) == to_folded(a));
	// pprof: the folded frames, root first, the inlined one a line of its
	// caller's location; 6 samples, 120 ms at 50 Hz.
	auto p = parse(record_pprof_message(set, mapped, layout, {.inlines = true}));
	REQUIRE(p.sample_size() == 1);
	const auto &s = p.sample(0);
	CHECK(std::vector<int64_t>(s.value().begin(), s.value().end()) == std::vector<int64_t>{6, 120000000});
	std::string stack;
	std::vector<int> lines;
	for (int i = s.location_id_size(); i-- > 0;) {
		const auto &loc = p.location(static_cast<int>(s.location_id(i) - 1));
		lines.push_back(loc.line_size());
		for (int l = loc.line_size(); l-- > 0;) {  // lines are innermost first
			std::string name = str(p, p.function(static_cast<int>(loc.line(l).function_id() - 1)).name());
			stack += (stack.empty() ? "" : ";") + name + (l < loc.line_size() - 1 ? "_[i]" : "");
		}
	}
	CHECK(stack == folded);
	CHECK(lines == std::vector<int>{1, 1, 2, 1});
	// The executable's mapping is first; the library's and the root's are not.
	REQUIRE(p.mapping_size() == 2);
	CHECK(str(p, p.mapping(0).filename()) == std::string(std::filesystem::canonical(fixture_path("symbols_pie"))));
	CHECK(p.mapping(0).has_inline_frames());
}
