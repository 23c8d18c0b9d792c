// `xpu-perf check`: what this machine can profile, one line per capability,
// and whether `record` can run here. Probes change nothing: what they open
// they close.
#pragma once

#include <string>
#include <vector>

#include "system/check_item.hpp"
#include "base/error.hpp"

namespace xpu {

struct CheckConfig {
	std::string binary;  // --binary: also census this file's frame pointers
	bool gpu = true;     // the CUDA lines
};

struct CheckReport {
	std::vector<CheckItem> items;
	// Every needed item is ok.
	bool record_can_run() const;
	// The names of the needed items that are missing.
	std::vector<std::string> blockers() const;
};

Result<CheckReport> run_check(const CheckConfig &cfg);

// The `--binary` lines for one file: frame pointers and .eh_frame_hdr.
Result<std::vector<CheckItem>> binary_items(const std::string &path);

// "STATUS   NAME                  DETAIL[; fix: FIX]" per item, then the verdict.
// `color` wraps the status words in ANSI colours.
std::string format_check_text(const CheckReport &r, bool color);
// One JSON object (schema in xpu-perf-check(1)), newline-terminated.
std::string format_check_json(const CheckReport &r);

}  // namespace xpu
