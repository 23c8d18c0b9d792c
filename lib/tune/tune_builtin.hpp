// The built-in rules of `tune`: lib/tune/tune_builtin.rules, compiled in by the
// Makefile (build/gen/tune_builtin_rules.cpp).
#pragma once

namespace xpu::tune {

extern const char *const kBuiltinRules;

}  // namespace xpu::tune
