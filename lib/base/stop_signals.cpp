#include "base/stop_signals.hpp"

#include <atomic>

namespace xpu {

namespace {
std::atomic<int> g_received{0};

void on_stop_signal(int sig)
{
	int expected = 0;
	g_received.compare_exchange_strong(expected, sig);
}
}  // namespace

StopSignals::StopSignals()
{
	g_received.store(0);
	struct sigaction sa = {};
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;  // no SA_RESTART: a blocking poll returns at once (EINTR)
	sigaction(SIGINT, &sa, &old_int_);
	sigaction(SIGTERM, &sa, &old_term_);
	sigaction(SIGHUP, &sa, &old_hup_);
	// A closed output pipe (`record -o - | head`) is a write error to report,
	// not a reason to die before the summary.
	struct sigaction ign = {};
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old_pipe_);
}

StopSignals::~StopSignals()
{
	sigaction(SIGINT, &old_int_, nullptr);
	sigaction(SIGTERM, &old_term_, nullptr);
	sigaction(SIGHUP, &old_hup_, nullptr);
	sigaction(SIGPIPE, &old_pipe_, nullptr);
}

int StopSignals::received() const { return g_received.load(); }

}  // namespace xpu
