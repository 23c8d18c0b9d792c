// Folded stacks, the input format of flamegraph.pl: one line per stack,
// "frame;frame;frame weight\n", root first, sorted by stack.
#pragma once

#include <cstdio>
#include <string>

#include "base/error.hpp"
#include "profile/profile.hpp"

namespace xpu {

std::string to_folded(const Profile &p);
Result<void> write_folded(const Profile &p, std::FILE *out);

}  // namespace xpu
