// The journal of applied changes: one line per change, written and
// fsync'd before the change is made, so that `tune --revert` can restore
// everything after xpu-perf was killed or the machine rebooted. Reverting
// goes newest first and removes each entry it restored (or that has
// nothing left to restore: a thread that is gone).
//
// Line format (tab-separated, '\t' '\n' '\\' escaped as \t \n \\):
//   v1 TIME KIND TARGET TID START_TIME OLD NEW RULE
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"
#include "tune/tune_actions.hpp"

namespace xpu::tune {

struct JournalEntry {
	Change change;
	std::string rule;   // the finding that made it
	long long time = 0; // seconds since the epoch
};

// The journal's path: $XPU_PERF_TUNE_JOURNAL, else /var/lib/xpu-perf/tune.journal.
std::string default_journal_path();

std::string format_entry(const JournalEntry &e);
Result<JournalEntry> parse_entry(const std::string &line);

class Journal {
public:
	explicit Journal(std::string path) : path_(std::move(path)) {}
	const std::string &path() const { return path_; }

	// Appends one entry and makes it durable (file and, when created,
	// its directory) before returning.
	Result<void> append(const JournalEntry &e);
	// Every entry, oldest first; none when the file does not exist.
	Result<std::vector<JournalEntry>> load() const;
	// Replaces the contents (atomically: a temporary file renamed over
	// it); an empty list removes the file.
	Result<void> store(const std::vector<JournalEntry> &entries);
	// Removes entries equal to `e` (its change and rule).
	Result<void> remove(const std::vector<JournalEntry> &gone);

private:
	std::string path_;
};

struct RevertReport {
	std::vector<std::string> lines;  // one per entry: what was done
	size_t restored = 0, left_alone = 0, failed = 0;
};

// Reverts every entry, newest first; entries that failed stay.
Result<RevertReport> revert_all(Journal &j);

}  // namespace xpu::tune
