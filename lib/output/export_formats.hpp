// Text exports of a profile for other tools:
//
//   folded      "frame;frame;frame WEIGHT" per distinct stack, merged and in
//               tree order (frames compared in byte order), weights exact:
//               what flamegraph.pl and `report -` read back
//   speedscope  speedscope's JSON file format
//               (https://www.speedscope.app/file-format-schema.json), one
//               "sampled" profile: shared.frames holds each distinct frame
//               name once; samples are stacks of frame indices, root first,
//               with their weights; unit "none" (weights are samples)
#pragma once

#include <string>

#include "profile/stack_tree.hpp"

namespace xpu {

std::string to_folded_text(const StackTree &tree);
// `name` names the profile in speedscope (the input files).
std::string to_speedscope(const StackTree &tree, const std::string &name);

}  // namespace xpu
