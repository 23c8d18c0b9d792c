// Report filters on tests/fixtures/report/mixed.folded, seen through the
// folded export (the exact stacks kept), and their effect on the other
// views and on errors.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "report/report_filter.hpp"
#include "test_report_util.hpp"

using namespace xpu::test;

namespace {

std::string mixed() { return report_fixture("mixed.folded"); }

std::string kept(std::vector<std::string> args)
{
	args.insert(args.begin(), {"--format", "folded"});
	args.push_back(mixed());
	auto r = report(args);
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 0);
	CHECK(r.err.empty());
	return r.out;
}

const char *const server200 = "server-200;_start;main;[unknown] 1\n"
			      "server-200;_start;main;handle;parse 3\n";
const char *const worker = "worker-300;start_thread;loop;spin 5.5\n"
			   "worker-300;start_thread;loop;spin;asm_sysvec_apic_timer_interrupt_[k] 0.5\n";
const char *const gpu = "server-100;_start;main;launch;cudaLaunchKernel;[GPU_Kernel]vector_add 5\n"
			"server-100;_start;main;launch;cudaMemcpy;[GPU_Memcpy]HtoD 1\n";

}  // namespace

TEST_CASE("report --comm and --pid choose processes by the root frame", "[report]")
{
	CHECK(kept({"--comm", "worker,nope"}) == worker);
	CHECK(kept({"--pid", "200"}) == server200);
	CHECK(kept({"--pid", "200", "--pid", "300"}) == std::string(server200) + worker);
	CHECK(kept({"--comm", "server", "--pid", "200"}) == server200);
	auto none = report({"--comm", "server", "--pid", "300", mixed()});
	CHECK(none.exit_code == 1);
	CHECK(none.err == "xpu-perf: error: no samples left after the filters (40 read)\n");
	auto bad = report({"--pid", "12x", mixed()});
	CHECK(bad.exit_code == 1);
	CHECK(bad.err == "xpu-perf: error: --pid: '12x' is not a process id\n");
}

TEST_CASE("report --grep keeps, --exclude drops stacks through a matching frame", "[report]")
{
	CHECK(kept({"--grep", "^parse$"}) == "server-100;_start;main;handle;parse 10\n"
					     "server-100;_start;main;handle;parse;memcpy 4\n"
					     "server-200;_start;main;handle;parse 3\n");
	CHECK(kept({"--grep", "_\\[k\\]$", "--exclude", "^io_"}) ==
	      "server-100;_start;main;handle;read;entry_SYSCALL_64_[k];ksys_read_[k];"
	      "schedule_[k];[off-cpu:S] 6\n"
	      "worker-300;start_thread;loop;spin;asm_sysvec_apic_timer_interrupt_[k] 0.5\n");
	CHECK(kept({"--exclude", "^server"}) == worker);
	auto bad = report({"--grep", "[a-", mixed()});
	CHECK(bad.exit_code == 1);
	CHECK_THAT(bad.err, Catch::StartsWith("xpu-perf: error: --grep: bad regular expression '[a-'"));
}

TEST_CASE("report --focus re-roots at the frame; --layer picks layers", "[report]")
{
	CHECK(kept({"--focus", "handle"}) ==
	      "handle;parse 13\n"
	      "handle;parse;memcpy 4\n"
	      "handle;read;entry_SYSCALL_64_[k];ksys_read_[k];schedule_[k];[off-cpu:S] 6\n"
	      "handle;write;entry_SYSCALL_64_[k];io_schedule_[k];[off-cpu:D] 2\n");
	CHECK(kept({"--focus", "handle", "--layer", "offcpu"}) ==
	      "handle;read;entry_SYSCALL_64_[k];ksys_read_[k];schedule_[k];[off-cpu:S] 6\n"
	      "handle;write;entry_SYSCALL_64_[k];io_schedule_[k];[off-cpu:D] 2\n");
	CHECK(kept({"--layer", "gpu"}) == gpu);
	CHECK(kept({"--layer", "gpu,offcpu", "--grep", "GPU_Memcpy|ksys_read"}) ==
	      "server-100;_start;main;handle;read;entry_SYSCALL_64_[k];ksys_read_[k];"
	      "schedule_[k];[off-cpu:S] 6\n"
	      "server-100;_start;main;launch;cudaMemcpy;[GPU_Memcpy]HtoD 1\n");
	CHECK(kept({"--layer", "cpu", "--comm", "worker"}) == worker);
	// The focus frame must be a whole name.
	auto part = report({"--focus", "hand", mixed()});
	CHECK(part.exit_code == 1);
	auto layer = report({"--layer", "disk", mixed()});
	CHECK(layer.exit_code == 1);
}

TEST_CASE("report filters apply to tables and flame graphs too", "[report]")
{
	auto t = report({"--layer", "gpu", "--sort", "layer", mixed()});
	CHECK(t.exit_code == 0);
	CHECK(t.out == "# 6 samples in 2 stacks, 2 layers; sorted by self\n"
		       "#\n"
		       "#   Self%   Total%   Self  Total  Layer\n"
		       "   83.33%   83.33%      5      5  gpu:Kernel\n"
		       "   16.67%   16.67%      1      1  gpu:Memcpy\n");
	std::string svg = temp_path("filtered.svg");
	auto s = report({"--svg", svg, "--focus", "launch", mixed()});
	CHECK(s.exit_code == 0);
	std::string text = read_file(svg);
	CHECK_THAT(text, Catch::Contains("<title>launch (6 samples, 100.00%)</title>"));
	CHECK_THAT(text, Catch::Contains("<title>[GPU_Kernel]vector_add (5 samples, 83.33%)</title>"));
	CHECK_THAT(text, !Catch::Contains("parse"));
	unlink(svg.c_str());
}

TEST_CASE("StackFilter: answers cached per frame id, stacks as spans", "[report]")
{
	xpu::FrameTable t;
	std::vector<xpu::FrameId> s1 = {t.intern("app-7"), t.intern("main"), t.intern("f")};
	std::vector<xpu::FrameId> s2 = {t.intern("app-8"), t.intern("main"), t.intern("g")};
	xpu::FilterOptions o;
	o.pids = {"8"};
	o.focus = "main";
	auto f = xpu::StackFilter::make(o);
	REQUIRE(f);
	CHECK(f->apply(s1, t).empty());
	auto k = f->apply(s2, t);
	REQUIRE(k.size() == 2);
	CHECK(t.name(k[0]) == "main");
	CHECK(t.name(k[1]) == "g");
	// A frame interned after the filter's cache was sized.
	std::vector<xpu::FrameId> s3 = {t.intern("app-8"), t.intern("main"), t.intern("late")};
	CHECK(f->apply(s3, t).size() == 2);
	xpu::FilterOptions bad;
	bad.grep = "(";
	CHECK_FALSE(xpu::StackFilter::make(bad));
}

TEST_CASE("report --layer net keeps the network layer's stacks; --sort layer names them",
	  "[report][net]")
{
	std::string in = write_temp_file(
		"net.folded", "app;main;compute 7\n"
			      "app;main;send_small;send;[net:send]127.0.0.1:5432 6400\n"
			      "app;serve;recv;[net:recv]unix:/tmp/x.sock 4096\n"
			      "app;main;read;[off-cpu:S] 2\n");
	auto r = report({"--format", "folded", "--layer", "net", in});
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 0);
	CHECK(r.out == "app;main;send_small;send;[net:send]127.0.0.1:5432 6400\n"
		       "app;serve;recv;[net:recv]unix:/tmp/x.sock 4096\n");
	auto cpu = report({"--format", "folded", "--layer", "cpu", in});
	CHECK(cpu.out == "app;main;compute 7\n");
	auto t = report({"--sort", "layer", in});
	CHECK(t.exit_code == 0);
	CHECK_THAT(t.out, Catch::Contains("net:send\n"));
	CHECK_THAT(t.out, Catch::Contains("net:recv\n"));
	CHECK_THAT(t.out, Catch::Contains("offcpu:S\n"));
}
