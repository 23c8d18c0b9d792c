// The one builder of perftools.profiles.Profile messages (profile.proto),
// shared by `report --format pprof` (folded stacks in, export_pprof.hpp) and
// `record --pprof` (the session's counts in, pprof_record.hpp): the string
// table, Functions, Mappings and Locations, each interned so that a frame
// seen in a million samples is stored once, and the samples.
//
// Frames come in folded spelling: an inlined frame ends in "_[i]" and is a
// Line of the Location of the function it was inlined into (leaf first, as
// pprof lists them), its Function named without the marker.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "base/error.hpp"

namespace perftools::profiles {
class Profile;
}

namespace xpu {

// The sample types a writer may have, in the order they are written: one a
// layer, each in its own unit (export_pprof.hpp and pprof_record.hpp say
// which use which).
enum class PprofColumn { samples, cpu_ns, offcpu, gpu_wait, gpu, gpu_launches, net };
inline constexpr int kPprofColumns = 7;

// A column's type and unit: "offcpu" in `time_unit` ("nanoseconds", or
// "samples" where report does not know the frequency), "net" in bytes, ...
struct PprofType {
	const char *type;
	const char *unit;
};
PprofType pprof_type(PprofColumn c, const char *time_unit);

// A Mapping as /proc/PID/maps gave it: [start, limit) holds file offset
// `offset` at start.
struct PprofMapping {
	uint64_t start = 0;
	uint64_t limit = 0;
	uint64_t offset = 0;
	std::string_view file;      // "/usr/bin/app", "[kernel]"
	std::string_view build_id;  // lowercase hex, "" when unknown
	bool inline_frames = false; // the symbolizer added inlined callees
};

struct PprofLabel {
	int64_t key = 0;  // string index
	int64_t str = 0;  // string index; or
	int64_t num = 0;
	auto operator<=>(const PprofLabel &) const = default;
};

class PprofWriter {
public:
	PprofWriter();
	~PprofWriter();
	PprofWriter(const PprofWriter &) = delete;
	PprofWriter &operator=(const PprofWriter &) = delete;

	// Appends s to the string table (made valid UTF-8, as proto3 wants),
	// even when it is there already; returns its index.
	int64_t add_string(std::string_view s);
	// The index of s, added on first use (a table of its own: strings added
	// with add_string are not found here).
	int64_t string(std::string_view s);

	// Sample types in order; the first is the default.
	void add_sample_type(std::string_view type, std::string_view unit);
	void set_period(std::string_view type, std::string_view unit, int64_t period);
	void set_time(int64_t time_nanos, int64_t duration_nanos);

	// The Function of a frame (keyed by its folded name), made on first use.
	uint64_t function(std::string_view frame);
	// The Mapping with these fields, made on first use.
	uint64_t mapping(const PprofMapping &m);
	// The Location of `frames`, root first: a frame and the frames inlined
	// into it, at `address` in `mapping` (0 and 0: a frame without one).
	// Made on first use; the same frames at another address or in another
	// mapping are another Location.
	uint64_t location(std::span<const std::string_view> frames, uint64_t mapping = 0,
			  uint64_t address = 0);

	// Makes mapping `id` mapping 1 (pprof takes the first for the main
	// binary), renumbering the one it swaps with and their locations.
	void put_mapping_first(uint64_t id);

	void add_sample(std::span<const uint64_t> locations_leaf_first,
			std::span<const int64_t> values, std::span<const PprofLabel> labels);

	size_t samples() const;
	size_t functions() const;
	size_t mappings() const;
	// The serialized Profile (not compressed).
	std::string serialize() const;

private:
	// A Location's identity: mapping, address, function ids innermost first.
	struct LocationKey {
		uint64_t mapping = 0;
		uint64_t address = 0;
		std::vector<uint64_t> lines;
		bool operator==(const LocationKey &) const = default;
	};
	struct LocationHash {
		size_t operator()(const LocationKey &k) const;
	};
	// Looked up by string_view, without a std::string per lookup.
	struct StringHash {
		using is_transparent = void;
		size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
	};
	using StringMap = std::unordered_map<std::string, uint64_t, StringHash, std::equal_to<>>;

	std::unique_ptr<perftools::profiles::Profile> p_;
	StringMap strings_;
	StringMap functions_;
	std::map<std::tuple<uint64_t, uint64_t, uint64_t, int64_t, int64_t>, uint64_t> mappings_;
	std::unordered_map<LocationKey, uint64_t, LocationHash> locations_;
	LocationKey key_;  // scratch for lookups
};

// "name_[i]" -> true: a frame inlined into the one before it.
bool is_inlined_frame(std::string_view frame);

// gzip (RFC 1952) of `data`, mtime 0 so that output is reproducible.
Result<std::string> gzip_bytes(const std::string &data);

}  // namespace xpu
