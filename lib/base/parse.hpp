// Parsers for command-line values, shared by every subcommand so that
// "10s", "1,2,3" and friends mean the same everywhere.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace xpu {

// The whole of `s` as a decimal integer, nothing else.
std::optional<long long> parse_int(std::string_view s);

// "10" (seconds), "10s", "500ms", "2m", "1h", "1.5s". Must be > 0.
Result<std::chrono::nanoseconds> parse_duration(std::string_view s);

// "1234" or "1,2,3" (perf's -p syntax). Each pid > 0; duplicates removed.
Result<std::vector<pid_t>> parse_pid_list(std::string_view s);

}  // namespace xpu
