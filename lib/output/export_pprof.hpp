// `report --format pprof`: the profile as a gzip-compressed
// perftools.profiles.Profile (lib/output/profile.proto), what go tool pprof,
// Pyroscope and Parca read. The message is built with protobuf's generated
// C++ classes and gzip'd with zlib.
//
// One sample type, {"samples", "count"}. Each distinct frame name is one
// Function (name = system_name = the frame) and one Location with the same
// id, holding one Line; each stack where samples end is one Sample whose
// location_id list is leaf first and whose one value is its weight rounded to
// an integer (pprof values are int64; stacks that round to 0 are left out and
// counted). The process frame is the root-most location. Ids follow tree
// order, so the same stacks give the same bytes.
#pragma once

#include <cstddef>
#include <string>

#include "base/error.hpp"
#include "profile/stack_tree.hpp"

namespace xpu {

struct PprofStats {
	size_t samples = 0;
	size_t functions = 0;
	size_t dropped = 0;  // stacks whose weight rounds to 0
};

// The gzip'd bytes.
Result<std::string> to_pprof(const StackTree &tree, PprofStats *stats = nullptr);

// The same without gzip (the serialized Profile), for tests.
std::string to_pprof_message(const StackTree &tree, PprofStats *stats = nullptr);

// gzip (RFC 1952) of `data`, mtime 0 so that output is reproducible.
Result<std::string> gzip_bytes(const std::string &data);

}  // namespace xpu
