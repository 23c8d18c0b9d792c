// The checks on a RecordConfig that need no system access: conflicting
// flags, and which layers the flags turn on.
#pragma once

#include "session/config.hpp"
#include "base/error.hpp"

namespace xpu {

// Usage errors (exit 1) for flags that contradict each other.
Result<void> validate(const RecordConfig &cfg);
// The layers a valid config asks for.
Layers resolve_layers(const RecordConfig &cfg);

}  // namespace xpu
