// C++ symbol demangling and the one rule every frame name obeys before it
// reaches a folded stack.
#pragma once

#include <string>
#include <string_view>

namespace xpu {

// Demangles an Itanium C++ ABI name ("_Z...") to its full signature, as perf
// shows it ("_Z5twiceIiET_S0_" -> "int twice<int>(int)"). Anything that is
// not a mangled name, or fails to demangle, comes back unchanged.
std::string demangle(std::string_view name);

// Folded stacks use ';' between frames and '\n' between stacks, so neither
// may appear inside a frame name. ';' becomes ':' (as stackcollapse-perf.pl's
// tidying does, e.g. for Java's "Ljava/lang/String;" in perf maps) and '\n'
// or '\r' become ' '. Everything else is kept.
void make_frame_safe(std::string &name);

}  // namespace xpu
