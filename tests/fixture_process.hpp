// A running symbols fixture (tests/fixtures/symbols.cpp): started with pipes
// on stdin and stdout, its "name 0xADDR" lines read into a table, kept
// blocked on stdin until finish() or destruction closes it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace xpu::test {

// build_dir() + "/fixtures/" + name.
std::string fixture_path(const std::string &name);

// The address of clock_gettime's vDSO implementation in process `pid` and
// its global name (x86-64 "__vdso_clock_gettime", arm64
// "__kernel_clock_gettime"), read from this process's own vDSO with plain
// libelf, independently of the code under test.
std::optional<std::pair<uint64_t, std::string>> vdso_function(pid_t pid);

class FixtureProcess {
public:
	// Runs `exe` (a path) with libfixture.so's path; `lazy` defers its
	// dlopen until load_library().
	explicit FixtureProcess(const std::string &exe, bool lazy = false);
	~FixtureProcess();
	FixtureProcess(const FixtureProcess &) = delete;
	FixtureProcess &operator=(const FixtureProcess &) = delete;

	// Still the fixture's pid after finish(), for resolving after exit.
	pid_t pid() const { return pid_; }
	// The address printed for `name`; fails the test when there is none.
	uint64_t addr(const std::string &name) const;
	bool has(const std::string &name) const { return addrs_.count(name) != 0; }

	// Lazy mode: tells the fixture to dlopen the library and reads its lines.
	void load_library();
	// Closes stdin and reaps the process; returns its exit status.
	int finish();

private:
	void read_until_ready();

	pid_t pid_ = -1;
	bool running_ = false;
	int in_ = -1;                // the fixture's stdin
	void *out_ = nullptr;        // FILE* on the fixture's stdout
	std::map<std::string, uint64_t> addrs_;
};

}  // namespace xpu::test
