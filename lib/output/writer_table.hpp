// The perf-report-like table: the functions (or libraries, processes,
// layers: report_group.hpp) that cost the most, one per line, with their
// self and total weight as shares of the profile. For people:
//
//   # 12 samples in 6 stacks, 10 functions; top 2 by self
//   #
//   #   Self%   Total%   Self  Total  Function
//      75.00%   83.33%      9     10  spin
//       8.33%  100.00%      1     12  main
//
// and for scripts, the same rows as CSV or JSON (fields documented in
// xpu-perf-report(1), kept stable):
//
//   name,self,self_percent,total,total_percent
//   spin,9,75.0000,10,83.3333
//
//   {"unit":"samples","total":12,"stacks":6,"group":"symbol","sort":"self",
//    "rows":[{"name":"spin","self":9,"self_percent":75.0000,"total":10,
//    "total_percent":83.3333}, ...]}
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "report/report_group.hpp"
#include "profile/stack_tree.hpp"

namespace xpu {

enum class TableSort { self, total };
enum class TableFormat { human, csv, json };

struct TableOptions {
	size_t top = 20;  // rows; 0 = all
	TableSort sort = TableSort::self;
	GroupBy group = GroupBy::symbol;
	double percent_limit = 0;  // leave out rows whose sort-key share is below this (%)
	TableFormat format = TableFormat::human;
	std::string unit = "samples";
};

// Rows are ordered by the sort key, then by the other one, then by name, so
// the table is the same for the same stacks.
std::string format_table(const StackTree &tree, const TableOptions &opts);

// Shared with the diff table and the exports.
void sort_rows(std::vector<FunctionStats> &rows, TableSort by);
// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
std::string csv_field(std::string_view s);
// A JSON string literal, quotes included; bytes that are not UTF-8 become
// U+FFFD (JSON text must be UTF-8; frame names are whatever binaries held).
std::string json_string(std::string_view s);
// `s` with every byte that is not part of a valid UTF-8 sequence replaced by
// U+FFFD (also for pprof, whose strings must be UTF-8).
std::string valid_utf8(std::string_view s);
// A number for a machine: integers as integers (every digit), else the
// shortest text that reads back as the same double; never an exponent,
// which folded text cannot hold (a 1e30 weight once wrote "1.1e+30").
std::string exact_number(double v);

}  // namespace xpu
