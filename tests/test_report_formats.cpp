// `xpu-perf report` tables and formats, exactly, on small fixtures:
// tests/fixtures/report/mixed.folded (40 samples: two pid-prefixed server
// processes and a worker, with kernel, off-CPU S and D, GPU kernel and
// memcpy, unnamed-library and [unknown] frames, decimal weights) and
// report_basic.folded.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "output/export_pprof.hpp"
#include "report/report_group.hpp"
#include "profile/stack_tree.hpp"
#include "output/writer_table.hpp"
#include "test_report_util.hpp"

using namespace xpu::test;

namespace {

std::string mixed() { return report_fixture("mixed.folded"); }
std::string basic() { return build_dir() + "/../tests/fixtures/report_basic.folded"; }

// Runs report; the run must succeed without a word on stderr.
std::string out_of(std::vector<std::string> args)
{
	auto r = report(args);
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 0);
	CHECK(r.err.empty());
	return r.out;
}

}  // namespace

TEST_CASE("report --sort dso: libraries derived from frame names", "[report]")
{
	CHECK(out_of({"--sort", "dso", mixed()}) ==
	      "# 40 samples in 11 stacks, 6 dsos; sorted by self\n"
	      "#\n"
	      "#   Self%   Total%   Self  Total  DSO\n"
	      "   56.25%  100.00%   22.5     40  [user]\n"
	      "   20.00%   20.00%      8      8  [off-cpu]\n"
	      "   15.00%   15.00%      6      6  [gpu]\n"
	      "    5.00%    5.00%      2      2  libz.so.1\n"
	      "    2.50%    2.50%      1      1  [unknown]\n"
	      "    1.25%   21.25%    0.5    8.5  [kernel]\n");
}

TEST_CASE("report --sort comm, pid, layer", "[report]")
{
	CHECK(out_of({"--sort", "comm", mixed()}) ==
	      "# 40 samples in 11 stacks, 2 commands; sorted by self\n"
	      "#\n"
	      "#   Self%   Total%   Self  Total  Command\n"
	      "   85.00%   85.00%     34     34  server\n"
	      "   15.00%   15.00%      6      6  worker\n");
	CHECK(out_of({"--sort", "pid", mixed()}) ==
	      "# 40 samples in 11 stacks, 3 processes; sorted by self\n"
	      "#\n"
	      "#   Self%   Total%   Self  Total  Process\n"
	      "   75.00%   75.00%     30     30  server-100\n"
	      "   15.00%   15.00%      6      6  worker-300\n"
	      "   10.00%   10.00%      4      4  server-200\n");
	CHECK(out_of({"--sort", "layer", mixed()}) ==
	      "# 40 samples in 11 stacks, 5 layers; sorted by self\n"
	      "#\n"
	      "#   Self%   Total%   Self  Total  Layer\n"
	      "   65.00%   65.00%     26     26  cpu\n"
	      "   15.00%   15.00%      6      6  offcpu:S\n"
	      "   12.50%   12.50%      5      5  gpu:Kernel\n"
	      "    5.00%    5.00%      2      2  offcpu:D\n"
	      "    2.50%    2.50%      1      1  gpu:Memcpy\n");
	// 'symbol' is the default order by self.
	CHECK(out_of({"--sort", "symbol", "--top", "0", basic()}) ==
	      out_of({"--top", "0", basic()}));
}

TEST_CASE("report --percent-limit leaves out the tail and says so", "[report]")
{
	CHECK(out_of({"--percent-limit", "10", mixed()}) ==
	      "# 40 samples in 11 stacks, 27 functions; top 5 by self (22 under 10%)\n"
	      "#\n"
	      "#   Self%   Total%   Self  Total  Function\n"
	      "   32.50%   42.50%     13     17  parse\n"
	      "   15.00%   15.00%      6      6  [off-cpu:S]\n"
	      "   13.75%   15.00%    5.5      6  spin\n"
	      "   12.50%   12.50%      5      5  [GPU_Kernel]vector_add\n"
	      "   10.00%   10.00%      4      4  memcpy\n");
	CHECK(out_of({"--percent-limit", "80", "--sort", "total", "--format", "csv", mixed()}) ==
	      "name,self,self_percent,total,total_percent\n"
	      "_start,0,0.0000,34,85.0000\n"
	      "main,0,0.0000,34,85.0000\n");
	auto bad = report({"--percent-limit", "101", mixed()});
	CHECK(bad.exit_code == 1);
}

TEST_CASE("report --format csv and json: the documented fields", "[report]")
{
	CHECK(out_of({"--format", "csv", "--top", "3", basic()}) ==
	      "name,self,self_percent,total,total_percent\n"
	      "spin,9,75.0000,10,83.3333\n"
	      "main,1,8.3333,12,100.0000\n"
	      "__vdso_clock_gettime,1,8.3333,1,8.3333\n");
	CHECK(out_of({"--format", "csv", "--sort", "dso", mixed()}) ==
	      "name,self,self_percent,total,total_percent\n"
	      "[user],22.5,56.2500,40,100.0000\n"
	      "[off-cpu],8,20.0000,8,20.0000\n"
	      "[gpu],6,15.0000,6,15.0000\n"
	      "libz.so.1,2,5.0000,2,5.0000\n"
	      "[unknown],1,2.5000,1,2.5000\n"
	      "[kernel],0.5,1.2500,8.5,21.2500\n");
	CHECK(out_of({"--format", "json", "--sort", "pid", mixed()}) ==
	      "{\"unit\":\"samples\",\"total\":40,\"stacks\":11,\"group\":\"pid\",\"sort\":"
	      "\"self\",\"rows\":[\n"
	      "{\"name\":\"server-100\",\"self\":30,\"self_percent\":75.0000,\"total\":30,"
	      "\"total_percent\":75.0000},\n"
	      "{\"name\":\"worker-300\",\"self\":6,\"self_percent\":15.0000,\"total\":6,"
	      "\"total_percent\":15.0000},\n"
	      "{\"name\":\"server-200\",\"self\":4,\"self_percent\":10.0000,\"total\":4,"
	      "\"total_percent\":10.0000}]}\n");
}

TEST_CASE("report csv/json quote what needs quoting", "[report]")
{
	auto in = write_temp_file("quotes.folded", "a;x,y \"q\" 1\na;b\\c\t 2\n");
	CHECK(out_of({"--format", "csv", in}) == "name,self,self_percent,total,total_percent\n"
						 "b\\c,2,66.6667,2,66.6667\n"
						 "\"x,y \"\"q\"\"\",1,33.3333,1,33.3333\n"
						 "a,0,0.0000,3,100.0000\n");
	CHECK(out_of({"--format", "json", in}) ==
	      "{\"unit\":\"samples\",\"total\":3,\"stacks\":2,\"group\":\"symbol\",\"sort\":"
	      "\"self\",\"rows\":[\n"
	      "{\"name\":\"b\\\\c\",\"self\":2,\"self_percent\":66.6667,\"total\":2,"
	      "\"total_percent\":66.6667},\n"
	      "{\"name\":\"x,y \\\"q\\\"\",\"self\":1,\"self_percent\":33.3333,\"total\":1,"
	      "\"total_percent\":33.3333},\n"
	      "{\"name\":\"a\",\"self\":0,\"self_percent\":0.0000,\"total\":3,"
	      "\"total_percent\":100.0000}]}\n");
	CHECK(xpu::json_string("\x01\n") == "\"\\u0001\\n\"");
	// JSON and pprof strings must be UTF-8: other bytes become U+FFFD.
	CHECK(xpu::json_string("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
	CHECK(xpu::json_string("a\xff") == "\"a\xef\xbf\xbd\"");
	CHECK(xpu::valid_utf8("\xe2\x82\xac \xf0\x9f\x94\xa5") == "\xe2\x82\xac \xf0\x9f\x94\xa5");
	CHECK(xpu::valid_utf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");        // overlong '/'
	CHECK(xpu::valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
	CHECK(xpu::valid_utf8("\xe2\x82") == "\xef\xbf\xbd\xef\xbf\xbd");        // cut short
	unlink(in.c_str());
}

TEST_CASE("report --format folded: merged, normalized, exact weights", "[report]")
{
	// Unsorted input with a repeated stack and a zero weight.
	auto in = write_temp_file("unsorted.folded", "p;b;c 1\np;a 0.25\np;b;c 2\np;b 0\np;b 1\n");
	CHECK(out_of({"--format", "folded", in}) == "p;a 0.25\np;b 1\np;b;c 3\n");
	unlink(in.c_str());
	CHECK(out_of({"--format", "folded", mixed()}) ==
	      "server-100;_start;main;[libz.so.1] 2\n"
	      "server-100;_start;main;handle;parse 10\n"
	      "server-100;_start;main;handle;parse;memcpy 4\n"
	      "server-100;_start;main;handle;read;entry_SYSCALL_64_[k];ksys_read_[k];"
	      "schedule_[k];[off-cpu:S] 6\n"
	      "server-100;_start;main;handle;write;entry_SYSCALL_64_[k];io_schedule_[k];"
	      "[off-cpu:D] 2\n"
	      "server-100;_start;main;launch;cudaLaunchKernel;[GPU_Kernel]vector_add 5\n"
	      "server-100;_start;main;launch;cudaMemcpy;[GPU_Memcpy]HtoD 1\n"
	      "server-200;_start;main;[unknown] 1\n"
	      "server-200;_start;main;handle;parse 3\n"
	      "worker-300;start_thread;loop;spin 5.5\n"
	      "worker-300;start_thread;loop;spin;asm_sysvec_apic_timer_interrupt_[k] 0.5\n");
	// Read back, it gives the same table.
	std::string folded = temp_path("roundtrip.folded");
	CHECK(out_of({"--format", "folded", "-o", folded, mixed()}).empty());
	CHECK(out_of({"--top", "0", folded}) == out_of({"--top", "0", mixed()}));
	unlink(folded.c_str());
}

TEST_CASE("report --format speedscope: frames once, samples root first", "[report]")
{
	CHECK(out_of({"--format", "speedscope", report_fixture("base.folded")}) ==
	      "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
	      "\"exporter\":\"xpu-perf report\",\"name\":\"" +
		      report_fixture("base.folded") +
		      "\",\"activeProfileIndex\":0,\"shared\":{\"frames\":[{\"name\":\"app\"},"
		      "{\"name\":\"main\"},{\"name\":\"compress\"},{\"name\":\"deflate\"},"
		      "{\"name\":\"io\"},{\"name\":\"[off-cpu:S]\"},{\"name\":\"malloc\"},"
		      "{\"name\":\"parse\"},{\"name\":\"tokenize\"}]},\"profiles\":[{\"type\":"
		      "\"sampled\",\"name\":\"" +
		      report_fixture("base.folded") +
		      "\",\"unit\":\"none\",\"startValue\":0,\"endValue\":100,\"samples\":"
		      "[[0,1,2,3],[0,1,4,5],[0,1,6],[0,1,7],[0,1,7,8]],\"weights\":"
		      "[30,10,10,10,40]}]}\n");
}

TEST_CASE("report --format pprof: decoded by protoc against lib/output/profile.proto, exactly",
	  "[report]")
{
	std::string gz = temp_path("basic.pb.gz");
	CHECK(out_of({"--format", "pprof", "-o", gz, basic()}).empty());
	std::string bytes = read_file(gz);
	REQUIRE(bytes.size() > 18);
	CHECK(static_cast<unsigned char>(bytes[0]) == 0x1f);  // gzip magic
	CHECK(static_cast<unsigned char>(bytes[1]) == 0x8b);
	std::string root = build_dir() + "/..";
	auto dec = run({"/bin/sh", "-c",
			"gunzip -c '" + gz + "' | protoc --decode=perftools.profiles.Profile "
			"--proto_path='" + root + "/lib/output' '" + root + "/lib/output/profile.proto'"});
	INFO("protoc: " << dec.err);
	REQUIRE(dec.exit_code == 0);
	CHECK(dec.out == read_file(report_fixture("basic.pprof.txt")));
	unlink(gz.c_str());
}

TEST_CASE("pprof: weights round to integers, zeros left out and counted", "[report]")
{
	xpu::StackTree t;
	t.add("p;a", 2.5);
	t.add("p;b", 0.4);
	xpu::PprofStats st;
	std::string msg = xpu::to_pprof_message(t, &st);
	CHECK(st.samples == 1);
	CHECK(st.dropped == 1);
	CHECK(st.functions == 2);
	CHECK_FALSE(msg.empty());
	auto r = report({"--format", "pprof", "-o", "/dev/null", "--grep", "^b$",
			 write_temp_file("small.folded", "p;a 2.5\np;b 0.4\n")});
	CHECK(r.exit_code == 0);
	CHECK(r.err == "xpu-perf: warning: pprof: 1 stack with a weight under 0.5 left out "
		       "(pprof values are integers)\n");
}

TEST_CASE("report -o writes the table to a file; unwritable output exits 4", "[report]")
{
	std::string path = temp_path("table.txt");
	CHECK(out_of({"-o", path, "--top", "1", basic()}).empty());
	CHECK(read_file(path) == "# 12 samples in 6 stacks, 10 functions; top 1 by self\n"
				 "#\n"
				 "#   Self%   Total%   Self  Total  Function\n"
				 "   75.00%   83.33%      9     10  spin\n");
	unlink(path.c_str());
	auto r = report({"-o", "/nonexistent-dir/t.csv", "--format", "csv", basic()});
	CHECK(r.exit_code == 4);
	auto full = report({"-o", "/dev/full", "--format", "speedscope", basic()});
	CHECK(full.exit_code == 4);
	auto svg = report({"-o", "x", "--svg", "y.svg", basic()});
	CHECK(svg.exit_code == 1);
	CHECK_THAT(svg.err, Catch::Contains("excludes"));
}

TEST_CASE("report groups: derived dso, comm and layer names", "[report]")
{
	using xpu::FrameKind;
	CHECK(xpu::frame_dso("tcp_sendmsg_[k]", FrameKind::kernel) == "[kernel]");
	CHECK(xpu::frame_dso("[libc.so.6]", FrameKind::user) == "libc.so.6");
	CHECK(xpu::frame_dso("[unknown]", FrameKind::user) == "[unknown]");
	CHECK(xpu::frame_dso("[truncated:no-table]", FrameKind::user) == "[unknown]");
	CHECK(xpu::frame_dso("[Missed User Stack]", FrameKind::user) == "[unknown]");
	CHECK(xpu::frame_dso("main", FrameKind::user) == "[user]");
	CHECK(xpu::frame_dso("helper_[i]", FrameKind::inlined) == "[user]");
	CHECK(xpu::frame_dso("operator[]", FrameKind::user) == "[user]");
	CHECK(xpu::frame_dso("--", FrameKind::user).empty());
	CHECK(xpu::frame_dso("app", FrameKind::root).empty());
	CHECK(xpu::comm_of("nginx-1234") == "nginx");
	CHECK(xpu::comm_of("kworker/0:1-events") == "kworker/0:1-events");
	CHECK(xpu::comm_of("a-b-7") == "a-b");
	CHECK(xpu::comm_of("-7") == "-7");
	CHECK(xpu::layer_of_frame("[off-cpu:D]") == "offcpu:D");
	CHECK(xpu::layer_of_frame("[GPU_Kernel]vec_add") == "gpu:Kernel");
	CHECK(xpu::layer_of_frame("main").empty());
}

TEST_CASE("exact numbers: every digit, no exponent, the same double back", "[report]")
{
	using xpu::exact_number;
	CHECK(exact_number(42) == "42");
	CHECK(exact_number(1e15) == "1000000000000000");
	// fuzz_writers: a 1e30 weight was written "1e+30", which folded text
	// (and so report's own reader) cannot hold.
	CHECK(exact_number(1e30) == "1000000000000000019884624838656");
	CHECK(exact_number(0.5) == "0.5");
	for (double v : {1.5e-7, 2.25e-12, 123456.789, 1e30 + 0.0, 3.0e20 / 7}) {
		std::string s = exact_number(v);
		INFO(s);
		CHECK(s.find('e') == std::string::npos);
		CHECK(std::stod(s) == v);
	}
}
