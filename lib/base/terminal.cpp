#include "base/terminal.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace xpu {

namespace {

constexpr const char kEnter[] = "\x1b[?1049h\x1b[?25l";  // alternate screen, hide cursor
constexpr const char kLeave[] = "\x1b[?25h\x1b[?1049l";

// For the fatal-signal handler, which may only use async-signal-safe calls.
int g_fd_in = -1, g_fd_out = -1;
termios g_saved;

void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = ::write(fd, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= static_cast<size_t>(w);
	}
}

void restore_now()
{
	if (g_fd_out < 0)
		return;
	write_all(g_fd_out, kLeave, sizeof(kLeave) - 1);
	tcsetattr(g_fd_in, TCSAFLUSH, &g_saved);
	g_fd_in = g_fd_out = -1;
}

// SIGSEGV and friends: restore the terminal, then die as the signal would.
void on_fatal(int sig)
{
	restore_now();
	std::signal(sig, SIG_DFL);
	raise(sig);
}

}  // namespace

KeyPress decode_key(std::string_view b, size_t &used)
{
	used = 0;
	if (b.empty())
		return {};
	if (b[0] != '\x1b') {
		used = 1;
		switch (b[0]) {
		case '\r':
		case '\n': return {Key::enter, 0};
		case 0x7f:
		case 0x08: return {Key::backspace, 0};
		default: return {Key::ch, b[0]};
		}
	}
	if (b.size() == 1) {  // a lone ESC: the Escape key (sequences arrive whole)
		used = 1;
		return {Key::escape, 0};
	}
	if (b[1] != '[' && b[1] != 'O') {
		used = 1;
		return {Key::escape, 0};
	}
	if (b.size() < 3)
		return {};
	// CSI: parameters, then a final byte in 0x40..0x7e.
	size_t i = 2;
	while (i < b.size() && (b[i] < 0x40 || b[i] > 0x7e))
		i++;
	if (i == b.size())
		return {};
	used = i + 1;
	std::string_view params = b.substr(2, i - 2);
	switch (b[i]) {
	case 'A': return {Key::up, 0};
	case 'B': return {Key::down, 0};
	case 'C': return {Key::right, 0};
	case 'D': return {Key::left, 0};
	case 'H': return {Key::home, 0};
	case 'F': return {Key::end, 0};
	case '~':
		if (params == "5")
			return {Key::page_up, 0};
		if (params == "6")
			return {Key::page_down, 0};
		if (params == "1" || params == "7")
			return {Key::home, 0};
		if (params == "4" || params == "8")
			return {Key::end, 0};
		break;
	}
	return {Key::none, 0};
}

std::optional<Terminal> Terminal::open(int fd_in, int fd_out)
{
	if (!isatty(fd_in) || !isatty(fd_out))
		return std::nullopt;
	termios saved;
	if (tcgetattr(fd_in, &saved) != 0)
		return std::nullopt;
	termios raw = saved;
	raw.c_lflag &= ~(ICANON | ECHO);  // ISIG stays: Ctrl-C ends the session cleanly
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(fd_in, TCSAFLUSH, &raw) != 0)
		return std::nullopt;
	g_fd_in = fd_in;
	g_fd_out = fd_out;
	g_saved = saved;
	for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
		std::signal(sig, on_fatal);
	std::atexit(restore_now);
	write_all(fd_out, kEnter, sizeof(kEnter) - 1);
	return Terminal(fd_in, fd_out, saved);
}

Terminal::Terminal(Terminal &&o) noexcept
	: in_(o.in_), out_(o.out_), saved_(o.saved_), pending_(std::move(o.pending_))
{
	o.in_ = o.out_ = -1;
}

Terminal::~Terminal() { restore(); }

void Terminal::restore()
{
	if (out_ < 0)
		return;
	restore_now();
	in_ = out_ = -1;
}

int Terminal::rows() const
{
	winsize ws{};
	return ioctl(out_, TIOCGWINSZ, &ws) == 0 && ws.ws_row ? ws.ws_row : 24;
}

int Terminal::cols() const
{
	winsize ws{};
	return ioctl(out_, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 80;
}

std::vector<KeyPress> Terminal::read_keys()
{
	char buf[256];
	ssize_t n;
	while ((n = ::read(in_, buf, sizeof(buf))) > 0)
		pending_.append(buf, static_cast<size_t>(n));
	std::vector<KeyPress> keys;
	while (!pending_.empty()) {
		size_t used = 0;
		KeyPress k = decode_key(pending_, used);
		if (used == 0)
			break;
		pending_.erase(0, used);
		if (k.key != Key::none)
			keys.push_back(k);
	}
	return keys;
}

void Terminal::draw(const std::string &text)
{
	// Home, then each line cleared to its end, then the rest of the screen:
	// no flicker from clearing everything first.
	std::string out = "\x1b[H";
	size_t start = 0;
	while (start <= text.size()) {
		size_t nl = text.find('\n', start);
		if (nl == std::string::npos)
			nl = text.size();
		out.append(text, start, nl - start);
		out += "\x1b[K";
		if (nl == text.size())
			break;
		out += "\r\n";
		start = nl + 1;
	}
	out += "\x1b[J";
	write_all(out_, out.data(), out.size());
}

}  // namespace xpu
