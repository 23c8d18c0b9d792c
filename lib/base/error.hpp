// Recoverable errors inside lib/: Result<T> carries either a value or an Error.
// lib/ never throws and never exits; cmd/ turns an Error into a message and
// an exit code (see exit_code.hpp).
#pragma once

#include <cerrno>
#include <cstring>
#include <expected>
#include <string>

#include <fmt/format.h>

#include "base/exit_code.hpp"

namespace xpu {

struct Error {
	ExitCode exit = ExitCode::internal;  // what the process should exit with
	std::string msg;                      // one line, no trailing newline
};

template <class T = void>
using Result = std::expected<T, Error>;

// An error classified for the user, e.g. fail(ExitCode::usage, "bad -F: {}", s).
template <class... Args>
std::unexpected<Error> fail(ExitCode code, fmt::format_string<Args...> f, Args &&...args)
{
	return std::unexpected(Error{code, fmt::format(f, std::forward<Args>(args)...)});
}

// A failed system call: appends strerror(err) to the message.
template <class... Args>
std::unexpected<Error> sys_fail(ExitCode code, int err, fmt::format_string<Args...> f,
				Args &&...args)
{
	return std::unexpected(Error{
		code, fmt::format("{}: {}", fmt::format(f, std::forward<Args>(args)...),
				  std::strerror(err < 0 ? -err : err))});
}

}  // namespace xpu
