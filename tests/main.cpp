// Catch2 v2 entry point. Tests tagged [bpf] need root (CAP_BPF+CAP_PERFMON)
// and kernel BTF; tests/run.sh filters them out, with a message, elsewhere.
//
// The listener below writes one line per test case to $XPU_TEST_LOG (when
// set), as the case starts and as it ends:
//   START\t<name>    PASS\t<name>    FAIL\t<name>    SKIP\t<name>\t<reason>
// written straight to the file (no buffering), so that tests/run.sh can tell,
// after the binary died, which case was running and which never ran, and
// count skips (XPU_SKIP) as skips rather than passes.
#define CATCH_CONFIG_MAIN
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "helpers.hpp"

namespace {

std::string g_skip_reason;
bool g_skipped = false;

void log_line(const std::string &line)
{
	static int fd = [] {
		const char *path = std::getenv("XPU_TEST_LOG");
		return path && *path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
	}();
	if (fd < 0)
		return;
	std::string l = line + "\n";
	(void)!write(fd, l.data(), l.size());
}

// Names go one to a line; a newline or tab inside one would break the log.
std::string flat(std::string s)
{
	for (char &c : s)
		if (c == '\n' || c == '\t')
			c = ' ';
	return s;
}

struct CaseLog : Catch::TestEventListenerBase {
	using TestEventListenerBase::TestEventListenerBase;
	void testCaseStarting(Catch::TestCaseInfo const &info) override
	{
		g_skipped = false;
		g_skip_reason.clear();
		log_line("START\t" + flat(info.name));
	}
	void testCaseEnded(Catch::TestCaseStats const &stats) override
	{
		const std::string name = flat(stats.testInfo.name);
		if (stats.totals.assertions.failed > 0)
			log_line("FAIL\t" + name);
		else if (g_skipped)
			log_line("SKIP\t" + name + "\t" + flat(g_skip_reason));
		else
			log_line("PASS\t" + name);
	}
};

}  // namespace

CATCH_REGISTER_LISTENER(CaseLog)

namespace xpu::test {

void note_skip(const std::string &reason)
{
	g_skipped = true;
	g_skip_reason = reason;
	WARN("SKIP: " << reason);
}

}  // namespace xpu::test
