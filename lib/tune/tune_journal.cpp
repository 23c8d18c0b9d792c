#include "tune/tune_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>

#include "base/parse.hpp"

namespace xpu::tune {

namespace {

std::string escape(const std::string &s)
{
	std::string out;
	for (char c : s) {
		if (c == '\t')
			out += "\\t";
		else if (c == '\n')
			out += "\\n";
		else if (c == '\\')
			out += "\\\\";
		else
			out += c;
	}
	return out;
}

std::string unescape(std::string_view s)
{
	std::string out;
	for (size_t i = 0; i < s.size(); i++) {
		if (s[i] == '\\' && i + 1 < s.size()) {
			char n = s[++i];
			out += n == 't' ? '\t' : n == 'n' ? '\n' : n;
		} else {
			out += s[i];
		}
	}
	return out;
}

const std::map<std::string, Action::Kind> &kinds()
{
	static const std::map<std::string, Action::Kind> k = {
		{"sysctl", Action::Kind::sysctl},     {"thp", Action::Kind::thp},
		{"governor", Action::Kind::governor}, {"affinity", Action::Kind::affinity},
		{"numa", Action::Kind::numa},         {"nice", Action::Kind::nice},
		{"ioprio", Action::Kind::ioprio}};
	return k;
}

std::string dir_of(const std::string &path)
{
	size_t slash = path.rfind('/');
	return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

Result<void> make_dirs(const std::string &dir)
{
	if (dir.empty() || dir == "/" || dir == ".")
		return {};
	struct stat st;
	if (stat(dir.c_str(), &st) == 0)
		return {};
	if (auto r = make_dirs(dir_of(dir)); !r)
		return r;
	if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
		return sys_fail(ExitCode::environment, errno, "create {}", dir);
	return {};
}

Result<void> sync_dir(const std::string &dir)
{
	int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sys_fail(ExitCode::environment, errno, "open {}", dir);
	int r = fsync(fd);
	int err = errno;
	close(fd);
	if (r != 0)
		return sys_fail(ExitCode::environment, err, "fsync {}", dir);
	return {};
}

Result<void> write_all(int fd, const std::string &data, const std::string &path)
{
	size_t done = 0;
	while (done < data.size()) {
		ssize_t n = write(fd, data.data() + done, data.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sys_fail(ExitCode::environment, errno, "write {}", path);
		done += static_cast<size_t>(n);
	}
	if (fsync(fd) != 0)
		return sys_fail(ExitCode::environment, errno, "fsync {}", path);
	return {};
}

bool same(const JournalEntry &a, const JournalEntry &b)
{
	const Change &x = a.change, &y = b.change;
	return x.kind == y.kind && x.target == y.target && x.tid == y.tid &&
	       x.start_time == y.start_time && x.old_value == y.old_value &&
	       x.new_value == y.new_value && a.rule == b.rule;
}

}  // namespace

std::string default_journal_path()
{
	if (const char *env = std::getenv("XPU_PERF_TUNE_JOURNAL"); env && *env)
		return env;
	return "/var/lib/xpu-perf/tune.journal";
}

std::string format_entry(const JournalEntry &e)
{
	const Change &c = e.change;
	return fmt::format("v1\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", e.time, kind_name(c.kind),
			   escape(c.target), c.tid, c.start_time, escape(c.old_value),
			   escape(c.new_value), escape(e.rule));
}

Result<JournalEntry> parse_entry(const std::string &line)
{
	std::vector<std::string_view> f;
	std::string_view s = line;
	while (true) {
		size_t tab = s.find('\t');
		f.push_back(s.substr(0, tab));
		if (tab == s.npos)
			break;
		s.remove_prefix(tab + 1);
	}
	if (f.size() != 9 || f[0] != "v1")
		return fail(ExitCode::environment, "not a journal line: '{}'", line.substr(0, 80));
	JournalEntry e;
	auto time = parse_int(f[1]), tid = parse_int(f[4]), start = parse_int(f[5]);
	auto kind = kinds().find(std::string(f[2]));
	if (!time || !tid || !start || kind == kinds().end())
		return fail(ExitCode::environment, "bad journal line: '{}'", line.substr(0, 80));
	e.time = *time;
	e.change = {kind->second, unescape(f[3]), static_cast<pid_t>(*tid),
		    static_cast<uint64_t>(*start), unescape(f[6]), unescape(f[7])};
	e.rule = unescape(f[8]);
	return e;
}

Result<void> Journal::append(const JournalEntry &e)
{
	std::string dir = dir_of(path_);
	if (auto r = make_dirs(dir); !r)
		return r;
	struct stat st;
	bool created = stat(path_.c_str(), &st) != 0;
	int fd = open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return sys_fail(ExitCode::environment, errno, "open journal {}", path_);
	auto r = write_all(fd, format_entry(e), path_);
	close(fd);
	if (!r)
		return r;
	return created ? sync_dir(dir) : Result<void>{};
}

Result<std::vector<JournalEntry>> Journal::load() const
{
	std::vector<JournalEntry> out;
	std::ifstream f(path_);
	if (!f) {
		if (access(path_.c_str(), F_OK) == 0)
			return fail(ExitCode::environment, "cannot read journal {}", path_);
		return out;
	}
	std::string line;
	size_t n = 0;
	while (std::getline(f, line)) {
		n++;
		if (line.empty())
			continue;
		auto e = parse_entry(line);
		if (!e)
			return fail(ExitCode::environment, "{}:{}: {}", path_, n, e.error().msg);
		out.push_back(std::move(*e));
	}
	return out;
}

Result<void> Journal::store(const std::vector<JournalEntry> &entries)
{
	std::string dir = dir_of(path_);
	if (entries.empty()) {
		if (unlink(path_.c_str()) != 0 && errno != ENOENT)
			return sys_fail(ExitCode::environment, errno, "remove {}", path_);
		return sync_dir(dir);
	}
	std::string tmp = path_ + ".tmp";
	int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return sys_fail(ExitCode::environment, errno, "open {}", tmp);
	std::string data;
	for (const auto &e : entries)
		data += format_entry(e);
	auto r = write_all(fd, data, tmp);
	close(fd);
	if (!r)
		return r;
	if (rename(tmp.c_str(), path_.c_str()) != 0)
		return sys_fail(ExitCode::environment, errno, "rename {} to {}", tmp, path_);
	return sync_dir(dir);
}

Result<void> Journal::remove(const std::vector<JournalEntry> &gone)
{
	auto all = load();
	if (!all)
		return std::unexpected(all.error());
	std::erase_if(*all, [&](const JournalEntry &e) {
		for (const auto &g : gone)
			if (same(e, g))
				return true;
		return false;
	});
	return store(*all);
}

Result<RevertReport> revert_all(Journal &j)
{
	auto entries = j.load();
	if (!entries)
		return std::unexpected(entries.error());
	RevertReport rep;
	std::vector<JournalEntry> kept;
	for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
		auto r = revert_change(it->change);
		if (!r) {
			rep.failed++;
			rep.lines.push_back(fmt::format("failed: {} ({}); kept in the journal", describe(it->change),
							r.error().msg));
			kept.insert(kept.begin(), *it);
			continue;
		}
		if (r->starts_with("left alone"))
			rep.left_alone++;
		else
			rep.restored++;
		rep.lines.push_back(*r);
		// Clear as we go: a crash halfway leaves only what is still to do.
		std::vector<JournalEntry> rest(entries->begin(), std::prev(it.base()));
		rest.insert(rest.end(), kept.begin(), kept.end());
		if (auto s = j.store(rest); !s)
			return std::unexpected(s.error());
	}
	return rep;
}

}  // namespace xpu::tune
