// Regular expressions typed by users: report's --grep/--exclude, tune rules'
// `=~`, the live page's filter (which comes over HTTP). One place compiles
// them, so one place guards what libstdc++'s std::regex compiler cannot take:
// numbers it reads into a signed long without an overflow check (a
// backreference `\\99999999999999999999` or a count `a{99999999999999999999}` is
// undefined behaviour; fuzz_tune_rules found the first), and large counts it expands by copying the pattern that many times
// (`(a|b){100000}` takes seconds and hundreds of MB).
#pragma once

#include <expected>
#include <regex>
#include <string>
#include <string_view>

namespace xpu {

// Counts in {m}, {m,} and {m,n} and backreference numbers above this are
// refused.
inline constexpr unsigned kMaxRegexRepeat = 1000;

// The compiled expression (ECMAScript, plus `extra` flags), or why not, as
// one phrase for the caller to put after its own context.
std::expected<std::regex, std::string> compile_user_regex(
	std::string_view pattern, std::regex::flag_type extra = std::regex::flag_type{});

}  // namespace xpu
