// The full-screen terminal for `top`: raw keys, the alternate screen, and
// a restore that happens however the program leaves (return, exception,
// a fatal signal), so a shell is never left without echo.
#pragma once

#include <termios.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xpu {

enum class Key { none, up, down, page_up, page_down, home, end, enter, escape, backspace, left, right, ch };

struct KeyPress {
	Key key = Key::none;
	char ch = 0;  // for Key::ch
};

// Decodes one key from the start of `buf`; `used` is how many bytes it took
// (0 when `buf` holds an incomplete escape sequence).
KeyPress decode_key(std::string_view buf, size_t &used);

class Terminal {
public:
	// Takes over `fd_in`/`fd_out` (both terminals): no echo, no line
	// buffering, keys one by one, Ctrl-C still a signal; the alternate
	// screen with the cursor hidden.
	static std::optional<Terminal> open(int fd_in, int fd_out);
	~Terminal();
	Terminal(Terminal &&other) noexcept;
	Terminal(const Terminal &) = delete;
	Terminal &operator=(const Terminal &) = delete;
	Terminal &operator=(Terminal &&) = delete;

	int rows() const;
	int cols() const;
	// Keys typed so far, without waiting.
	std::vector<KeyPress> read_keys();
	// Replaces the screen with `text` (lines separated by '\n').
	void draw(const std::string &text);

private:
	Terminal(int in, int out, const termios &saved) : in_(in), out_(out), saved_(saved) {}
	void restore();

	int in_ = -1, out_ = -1;
	termios saved_{};
	std::string pending_;  // an escape sequence split across reads
};

}  // namespace xpu
