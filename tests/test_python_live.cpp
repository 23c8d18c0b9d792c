// The CPython 3.10 offsets table (lib/python/python_binary.cpp) against a
// live 3.10: a script prints what CPython says about its own frames (thread
// state, sys._getframe() and its caller, f_lasti, f_lineno, co_name), then
// blocks in readline so those frames hold still; the test walks the same
// way the BPF walker does (thread-state key, TSD slot, current frame,
// f_back, f_code, f_lasti) through process_vm_readv with the table's
// offsets, and names the caller's frame with PyCodeReader. Every field the
// table gives 3.10 is read and compared. An absent interpreter is a skip.
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <array>
#include <cstdio>
#include <map>
#include <sstream>

#include "helpers.hpp"
#include "python/python_binary.hpp"
#include "python/python_code.hpp"
#include "symbolize/elf_file.hpp"

using namespace xpu;
using namespace xpu::test;

namespace {

// here() blocks in readline, called from probe() on line 32 of this text.
const char *kFacts = R"(import ctypes
import sys


def here():
    api = ctypes.pythonapi
    api.PyThreadState_Get.restype = ctypes.c_void_p
    libc = ctypes.CDLL(None)
    libc.pthread_self.restype = ctypes.c_void_p
    me, caller = sys._getframe(), sys._getframe(1)
    code = caller.f_code
    facts = {
        "tstate": api.PyThreadState_Get(),
        "pthread": libc.pthread_self(),  # the thread pointer (fsbase) on x86-64 glibc
        "runtime": ctypes.addressof(ctypes.c_char.in_dll(api, "_PyRuntime")),
        "code_type": id(type(code)),
        "frame": id(me),
        "caller": id(caller),
        "caller_back": id(caller.f_back),
        "code": id(code),
        "lasti": caller.f_lasti,
        "lineno": caller.f_lineno,
        "firstlineno": code.co_firstlineno,
        "name": code.co_name,
    }
    print(" ".join(f"{k}={v}" for k, v in facts.items()), flush=True)
    sys.stdin.readline()


def probe():
    x = 1
    here()
    return x


probe()
)";

// A child with its stdin and stdout on pipes.
struct Child {
	pid_t pid = -1;
	int in = -1;
	FILE *out = nullptr;
	explicit Child(const std::vector<std::string> &argv)
	{
		int to[2], from[2];
		REQUIRE(pipe(to) == 0);
		REQUIRE(pipe(from) == 0);
		pid = fork();
		REQUIRE(pid >= 0);
		if (pid == 0) {
			dup2(to[0], 0);
			dup2(from[1], 1);
			close(to[1]);
			close(from[0]);
			std::vector<char *> args;
			for (const auto &a : argv)
				args.push_back(const_cast<char *>(a.c_str()));
			args.push_back(nullptr);
			execv(args[0], args.data());
			_exit(127);
		}
		close(to[0]);
		close(from[1]);
		in = to[1];
		out = fdopen(from[0], "r");
	}
	~Child()
	{
		close(in);  // readline sees the end of input: the script ends
		if (out)
			fclose(out);
		int status = 0;
		waitpid(pid, &status, 0);
	}
};

template <typename T> T read_at(pid_t pid, uint64_t addr)
{
	T v{};
	iovec local{&v, sizeof(v)}, remote{reinterpret_cast<void *>(addr), sizeof(v)};
	INFO("reading " << sizeof(v) << " bytes at 0x" << std::hex << addr);
	REQUIRE(process_vm_readv(pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(sizeof(v)));
	return v;
}

}  // namespace

TEST_CASE("python 3.10: the offsets table reads a live interpreter's frames as it describes them",
	  "[python]")
{
	const std::string py = "/root/.pyenv/versions/3.10.13/bin/python3.10";
	const std::string lib = "/root/.pyenv/versions/3.10.13/lib/libpython3.10.so.1.0";
	if (access(py.c_str(), X_OK) != 0 || access(lib.c_str(), R_OK) != 0)
		XPU_SKIP(py << " absent");
	auto elf = ElfFile::open_path(lib);
	REQUIRE(elf);
	auto b = detect_python(**elf);
	REQUIRE(b);
	INFO(b->refused);
	REQUIRE(b->refused.empty());
	CHECK(b->version() == "3.10.13");  // micro from PY_VERSION: 3.10 has no Py_Version
	REQUIRE(b->offsets);
	REQUIRE(b->offsets->minor == 10);

	Child child({py, "-c", kFacts});
	REQUIRE(child.out);
	char buf[4096];
	REQUIRE(fgets(buf, sizeof(buf), child.out));
	std::map<std::string, std::string> facts;
	std::istringstream words(buf);
	for (std::string w; words >> w;)
		if (auto eq = w.find('='); eq != std::string::npos)
			facts[w.substr(0, eq)] = w.substr(eq + 1);
	INFO(buf);
	REQUIRE(facts.size() == 12);
	auto num = [&](const char *k) { return std::stoull(facts.at(k)); };
	const pid_t pid = child.pid;

	const uint64_t bias = num("runtime") - b->runtime;
	const xpu_py_proc p = b->describe(bias);
	CHECK(p.code_type == num("code_type"));
	CHECK(p.entry_kind == XPU_PY_ENTRY_PER_CALL);

	// Thread state: the runtime's Py_tss_t names the pthread key whose
	// slot holds it (the BPF walker's fsbase + 0x310 + 16 * key + 8).
	auto tss = read_at<std::array<uint32_t, 2>>(pid, p.tss);
	CHECK(tss[0] == 1);
	REQUIRE(tss[1] < 32);
	CHECK(read_at<uint64_t>(pid, num("pthread") + 0x310 + 16 * uint64_t(tss[1]) + 8) ==
	      num("tstate"));
	REQUIRE(p.ts_cframe == XPU_PY_NO_OFFSET);
	CHECK(read_at<uint64_t>(pid, num("tstate") + p.ts_frame) == num("frame"));

	// One frame per eval call, linked by f_back.
	CHECK(read_at<uint64_t>(pid, num("frame") + p.f_prev) == num("caller"));
	const uint64_t caller = num("caller");
	CHECK(read_at<uint64_t>(pid, caller + p.f_prev) == num("caller_back"));
	const uint64_t code = read_at<uint64_t>(pid, caller + p.f_code);
	CHECK(code == num("code"));
	CHECK(read_at<uint64_t>(pid, code + 8) == num("code_type"));
	const int32_t lasti = read_at<int32_t>(pid, caller + p.f_instr);
	// The struct holds code units; the f_lasti attribute shows bytes.
	CHECK(lasti * 2 == std::stoi(facts.at("lasti")));
	CHECK(read_at<int32_t>(pid, code + b->offsets->code_firstlineno) == std::stoi(facts.at("firstlineno")));

	// The entry the walker would emit, named as a report names it: co_name
	// and the line CPython gives f_lasti.
	const uint64_t name = read_at<uint64_t>(pid, code + p.code_qualname);
	const uint64_t ip = XPU_PY_FRAME_TAG | (uint64_t(lasti) << XPU_PY_UNIT_SHIFT) | code |
			    xpu_py_fingerprint(name);
	PyCodeReader reader;
	reader.set_offsets(pid, b->offsets);
	CHECK(facts.at("name") == "probe");
	CHECK(facts.at("lineno") == "32");
	CHECK(reader.frame(pid, ip, true) == "probe (<string>:32)");
	REQUIRE(reader.code(pid, ip));
	CHECK(reader.code(pid, ip)->firstlineno == 30);
}
