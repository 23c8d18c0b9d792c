#include "base/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <bpf/libbpf.h>

#include "base/color.hpp"

namespace xpu::log {

namespace {
std::atomic<Level> g_level{Level::warn};

int libbpf_print(enum libbpf_print_level l, const char *fmt_str, va_list ap)
{
	Level want = l == LIBBPF_WARN ? Level::info : Level::libbpf;
	if (level() < want)
		return 0;
	// libbpf hints "raise ulimit -l" on any EPERM; memlock is irrelevant on
	// kernels >= 5.11 (memcg accounting), so the hint only misleads.
	char *buf = nullptr;
	if (vasprintf(&buf, fmt_str, ap) < 0)  // the verifier log can be megabytes
		return 0;
	std::string line(buf);
	free(buf);
	if (line.find("RLIMIT_MEMLOCK") != std::string::npos)
		return 0;
	while (!line.empty() && line.back() == '\n')
		line.pop_back();
	write(want, "libbpf: " + line);
	return 0;
}
}  // namespace

void set_level(Level l) { g_level.store(l); }
Level level() { return g_level.load(); }

void write(Level l, const std::string &line)
{
	std::string tag =
		l == Level::warn ? color::paint(color::enabled(STDERR_FILENO), "33", "warning:") + " "
				 : "";
	// One fprintf per line so concurrent writers do not interleave mid-line.
	std::fprintf(stderr, "xpu-perf: %s%s\n", tag.c_str(), line.c_str());
}

void error(const std::string &msg)
{
	std::string tag = color::paint(color::enabled(STDERR_FILENO), "31", "error:");
	std::fprintf(stderr, "xpu-perf: %s %s\n", tag.c_str(), msg.c_str());
}

void install_libbpf_printer() { libbpf_set_print(libbpf_print); }

}  // namespace xpu::log
