// xpu-perf check: the pure parts (prologue patterns, formats) on fixed input,
// the frame-pointer census on the examples built with and without frame
// pointers, and the command itself on this machine.
#include <sys/utsname.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "system/capabilities.hpp"
#include "system/check.hpp"
#include "gpu/cuda_probe.hpp"
#include "system/fp_census.hpp"

using namespace xpu;
using namespace xpu::test;

namespace {

bool keeps(std::initializer_list<uint8_t> bytes)
{
	std::vector<uint8_t> v(bytes);
	return keeps_frame_pointer(v);
}

std::vector<std::string> lines_of(const std::string &text)
{
	std::vector<std::string> out;
	size_t at = 0;
	while (at < text.size()) {
		size_t end = text.find('\n', at);
		out.push_back(text.substr(at, end - at));
		at = end == text.npos ? text.size() : end + 1;
	}
	return out;
}

std::string line_named(const std::string &text, const std::string &name)
{
	for (const auto &l : lines_of(text))
		if (l.size() > 9 && l.substr(9).starts_with(name + " "))
			return l;
	return {};
}

CheckReport sample_report()
{
	CheckReport r;
	r.items.push_back(make_item("privileges", CheckStatus::ok, true, "root"));
	auto btf = make_item("btf", CheckStatus::missing, true, "no kernel BTF",
			     "a kernel with \"BTF\"");
	btf.values = {{"size", 0}};
	r.items.push_back(btf);
	r.items.push_back(make_item("gpus", CheckStatus::info, false, "none"));
	return r;
}

}  // namespace

TEST_CASE("frame pointer prologues: push %rbp; mov %rsp,%rbp, after endbr64 too", "[check]")
{
	CHECK(keeps({0x55, 0x48, 0x89, 0xe5, 0x90}));
	CHECK(keeps({0x55, 0x48, 0x8b, 0xec}));
	CHECK(keeps({0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5}));
	CHECK_FALSE(keeps({0x48, 0x83, 0xec, 0x08}));        // sub $8,%rsp
	CHECK_FALSE(keeps({0x55, 0x53, 0x48, 0x89}));        // push %rbp; push %rbx
	CHECK_FALSE(keeps({0xf3, 0x0f, 0x1e, 0xfa, 0xc3}));  // endbr64; ret
	CHECK_FALSE(keeps({0x55, 0x48}));                    // cut short
}

TEST_CASE("census: the examples with and without frame pointers", "[check]")
{
	auto fp = census_frame_pointers(build_dir() + "/examples/cpu_split");
	auto nofp = census_frame_pointers(build_dir() + "/examples/cpu_split_nofp");
	REQUIRE(fp);
	REQUIRE(nofp);
	CHECK(fp->symbol_source == ".symtab");
	CHECK(fp->has_eh_frame_hdr);
	CHECK(fp->functions == nofp->functions);
	// burn_60/30/10, spin, main...: everything compiled from cpu_split.c.
	CHECK(fp->with_fp >= 5);
	auto has = [](const std::vector<std::string> &v, const char *name) {
		return std::find(v.begin(), v.end(), name) != v.end();
	};
	CHECK_FALSE(has(fp->without_fp, "burn_60"));
	CHECK(has(nofp->without_fp, "burn_60"));
	CHECK(has(nofp->without_fp, "main"));
	CHECK(nofp->with_fp == 0);
}

TEST_CASE("census: a file that is not ELF is the user's mistake", "[check]")
{
	auto r = census_frame_pointers(build_dir() + "/../README.md");
	REQUIRE_FALSE(r);
	CHECK(r.error().exit == ExitCode::usage);
	CHECK_THAT(r.error().msg, Catch::EndsWith("README.md: not an ELF file"));
}

TEST_CASE("check text: one line per item, fixes for missing ones, the verdict", "[check]")
{
	CHECK(format_check_text(sample_report(), false) ==
	      "ok       privileges            root\n"
	      "missing  btf                   no kernel BTF; fix: a kernel with \"BTF\"\n"
	      "info     gpus                  none\n"
	      "record cannot run here: btf missing (see the fixes above)\n");
	std::string colored = format_check_text(sample_report(), true);
	CHECK(colored.starts_with("\033[32mok\033[0m       privileges"));
}

TEST_CASE("check JSON: fixed fields, strings escaped", "[check]")
{
	CHECK(format_check_json(sample_report()) ==
	      "{\n  \"schema\": 1,\n  \"record_can_run\": false,\n  \"checks\": [\n"
	      "    {\"name\": \"privileges\", \"status\": \"ok\", \"needed\": true, "
	      "\"detail\": \"root\", \"fix\": \"\", \"values\": {}},\n"
	      "    {\"name\": \"btf\", \"status\": \"missing\", \"needed\": true, "
	      "\"detail\": \"no kernel BTF\", \"fix\": \"a kernel with \\\"BTF\\\"\", "
	      "\"values\": {\"size\": 0}},\n"
	      "    {\"name\": \"gpus\", \"status\": \"info\", \"needed\": false, "
	      "\"detail\": \"none\", \"fix\": \"\", \"values\": {}}\n  ]\n}\n");
}

TEST_CASE("kernel releases and CUDA versions as text", "[check]")
{
	CHECK(parse_kernel_release("6.18.44-fc-v657") == std::pair{6, 18});
	CHECK(parse_kernel_release("5.4.0-150-generic") == std::pair{5, 4});
	CHECK(parse_kernel_release("garbage") == std::pair{0, 0});
	CHECK(cuda_version_text(12040) == "12.4");
	CHECK(cuda_version_text(13000) == "13.0");
	CHECK(find_library("libxpu-perf-no-such-library.so.*").empty());
}

TEST_CASE("check on this machine: exact lines for what is present, exit 0", "[check][bpf]")
{
	auto r = run({xpu_perf(), "check"});
	INFO(r.out << r.err);
	REQUIRE(r.exit_code == 0);
	utsname u = {};
	uname(&u);
	CHECK(line_named(r.out, "privileges") == "ok       privileges            root");
	CHECK(line_named(r.out, "kernel") ==
	      std::string("ok       kernel                Linux ") + u.release);
	CHECK(line_named(r.out, "btf").starts_with(
		"ok       btf                   /sys/kernel/btf/vmlinux ("));
	for (const char *needed : {"perf_event", "bpf_perf_event", "bpf_tp_btf", "bpf_ringbuf",
				   "bpf_task_storage", "bpf_record_programs"}) {
		INFO(needed);
		CHECK(line_named(r.out, needed).starts_with("ok "));
	}
	CHECK(line_named(r.out, "bpf_tp_btf") ==
	      "ok       bpf_tp_btf            BTF tracepoint programs (tp_btf/sched_switch)");
	CHECK(line_named(r.out, "net_tracepoints") ==
	      "ok       net_tracepoints       socket and TCP BTF tracepoints for --net "
	      "(sock_send_length, sock_recv_length, tcp_retransmit_skb)");
	CHECK(line_named(r.out, "bpf_record_programs")
		      .starts_with("ok       bpf_record_programs   record's 6 BPF programs load ("));
	// Informational lines are there whatever their answer.
	for (const char *name : {"kprobes", "perf_event_paranoid", "perf_event_max_stack",
				 "tracefs", "cuda_driver", "cuda_runtime", "cupti", "gpus"}) {
		INFO(name);
		CHECK_FALSE(line_named(r.out, name).empty());
	}
	REQUIRE(!r.out.empty());
	CHECK(lines_of(r.out).back() == "record can run here");
	CHECK(r.err.empty());
}

TEST_CASE("check without privileges: the setcap line, exit 2", "[check][bpf]")
{
	REQUIRE(geteuid() == 0);  // to drop to nobody
	RunOptions opts;
	opts.uid = 65534;
	BinaryForOthers bin;
	auto r = run({bin.path, "check"}, opts);
	INFO(r.out << r.err);
	CHECK(r.exit_code == 2);
	CHECK(line_named(r.out, "privileges") ==
	      "missing  privileges            not root (uid 65534); CAP_BPF no, CAP_PERFMON no; "
	      "fix: run as root, or sudo setcap cap_bpf,cap_perfmon,cap_sys_ptrace,cap_sys_admin+ep " +
		      bin.path);
	CHECK(line_named(r.out, "bpf_record_programs") ==
	      "missing  bpf_record_programs   record's BPF programs: cannot probe without "
	      "privileges; fix: see privileges");
	REQUIRE(!r.out.empty());
	CHECK_THAT(lines_of(r.out).back(), Catch::StartsWith("record cannot run here: privileges, "));
}

TEST_CASE("check --binary: frame pointers of a file; a bad path is exit 1", "[check]")
{
	auto r = run({xpu_perf(), "check", "--format", "json", "--binary",
		      build_dir() + "/examples/cpu_split_nofp"});
	INFO(r.out << r.err);
	CHECK((r.exit_code == 0 || r.exit_code == 2));  // 2 where record cannot run
	CHECK_THAT(r.out, Catch::Contains("{\"name\": \"binary_frame_pointers\", \"status\": \"info\""));
	CHECK_THAT(r.out, Catch::Contains("\"with_frame_pointers\": 0}"));
	CHECK_THAT(r.out, Catch::Contains("{\"name\": \"binary_eh_frame\", \"status\": \"ok\""));
	CHECK_THAT(r.out, !Catch::Contains("binary_python"));  // no interpreter, no Python line

	auto bad = run({xpu_perf(), "check", "--binary", "/nonexistent/app"});
	CHECK(bad.exit_code == 1);
	CHECK(bad.out.empty());
	CHECK(bad.err == "xpu-perf: error: open /nonexistent/app: No such file or directory\n");
}

namespace {

// The binary_python item of `check --binary path`, or a default item
// (empty name) when there is none.
CheckItem python_item_of(const std::string &path)
{
	auto items = binary_items(path);
	REQUIRE(items);
	for (const auto &i : *items)
		if (i.name == "binary_python")
			return i;
	return {};
}

}  // namespace

TEST_CASE("check --binary: Debian's static python3.11 is walked with the built-in table", "[check]")
{
	const std::string py = "/usr/bin/python3.11";
	if (access(py.c_str(), X_OK) != 0)
		XPU_SKIP(py << " absent");
	CheckItem i = python_item_of(py);
	INFO(i.detail);
	CHECK(i.status == CheckStatus::ok);
	CHECK_THAT(i.detail, Catch::StartsWith(py + ": CPython 3.11."));
	CHECK_THAT(i.detail, Catch::EndsWith("supported: Python frames walked (offsets: built-in table)"));
	REQUIRE(i.values.size() == 3);
	CHECK(i.values[0] == std::pair<std::string, long long>{"major", 3});
	CHECK(i.values[1] == std::pair<std::string, long long>{"minor", 11});
}

TEST_CASE("check --binary: a shared-libpython 3.13 launcher is followed to its library", "[check]")
{
	const std::string py = "/root/.pyenv/versions/3.13.0/bin/python3.13";
	if (access(py.c_str(), X_OK) != 0)
		XPU_SKIP(py << " absent");
	CheckItem i = python_item_of(py);
	INFO(i.detail);
	CHECK(i.status == CheckStatus::ok);
	CHECK(i.detail == py + " (via /root/.pyenv/versions/3.13.0/lib/libpython3.13.so.1.0): "
			       "CPython 3.13.0 supported: Python frames walked (offsets: built-in "
			       "table, checked against _Py_DebugOffsets)");
}

TEST_CASE("check --binary: a shared-libpython 3.10 is walked, its micro from PY_VERSION", "[check]")
{
	const std::string py = "/root/.pyenv/versions/3.10.13/bin/python3.10";
	if (access(py.c_str(), X_OK) != 0)
		XPU_SKIP(py << " absent");
	CheckItem i = python_item_of(py);
	INFO(i.detail);
	CHECK(i.status == CheckStatus::ok);
	CHECK(i.detail == py + " (via /root/.pyenv/versions/3.10.13/lib/libpython3.10.so.1.0): "
			       "CPython 3.10.13 supported: Python frames walked (offsets: built-in table)");
	REQUIRE(i.values.size() == 3);
	CHECK(i.values[1] == std::pair<std::string, long long>{"minor", 10});
	CHECK(i.values[2] == std::pair<std::string, long long>{"micro", 13});
}

TEST_CASE("check --binary: CPython 3.9 is refused with one line", "[check]")
{
	const std::string py = "/root/.pyenv/versions/3.9.18/bin/python3.9";
	if (access(py.c_str(), X_OK) != 0)
		XPU_SKIP(py << " absent");
	CheckItem i = python_item_of(py);
	INFO(i.detail);
	CHECK(i.status == CheckStatus::missing);
	CHECK_FALSE(i.needed);
	CHECK_THAT(i.detail, Catch::Contains(": refused: CPython 3.9"));
	CHECK_THAT(i.detail, Catch::Contains("is not supported (3.10 to 3.13 are): native frames only"));
	CHECK_THAT(i.fix, Catch::Contains("3.10, 3.11, 3.12 or 3.13"));
}

TEST_CASE("a command that lacks a prerequisite points to xpu-perf check", "[check][bpf]")
{
	REQUIRE(geteuid() == 0);  // to drop to nobody
	RunOptions opts;
	opts.uid = 65534;
	BinaryForOthers bin;
	auto r = run({bin.path, "record", "-o", "/tmp/xpu-perf-test-hint.folded", "-a",
		      "--duration", "1"},
		     opts);
	CHECK(r.exit_code == 2);
	CHECK_THAT(r.err, Catch::EndsWith("xpu-perf: hint: 'xpu-perf check' lists what this "
					  "machine lacks and how to fix it\n"));
	// Usage errors get no such hint.
	auto usage = run({xpu_perf(), "record", "--freq", "0", "true"});
	CHECK(usage.exit_code == 1);
	CHECK_THAT(usage.err, !Catch::Contains("hint"));
}
