#include "helpers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

namespace xpu::test {

std::string build_dir()
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	REQUIRE(n > 0);
	std::string exe(buf, static_cast<size_t>(n));
	return exe.substr(0, exe.rfind('/'));
}

std::string xpu_perf() { return build_dir() + "/xpu-perf"; }

bool wait_until(const std::function<bool()> &pred, double timeout_s)
{
	auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
	while (!pred()) {
		if (std::chrono::steady_clock::now() > end)
			return false;
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	return true;
}

bool runs_exe(pid_t pid, const std::string &exe_name)
{
	char buf[4096];
	std::string link = "/proc/" + std::to_string(pid) + "/exe";
	ssize_t n = readlink(link.c_str(), buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	std::string exe(buf, static_cast<size_t>(n));
	return exe.substr(exe.rfind('/') + 1) == exe_name;
}

namespace {
// Fields of /proc/PID/stat after the command name (field 3 is index 0).
std::vector<std::string> stat_fields(pid_t pid)
{
	std::string st = read_file("/proc/" + std::to_string(pid) + "/stat");
	auto close_paren = st.rfind(')');
	if (close_paren == std::string::npos)
		return {};
	std::istringstream in(st.substr(close_paren + 1));
	std::vector<std::string> f;
	for (std::string w; in >> w;)
		f.push_back(w);
	return f;
}
}  // namespace

std::optional<pid_t> child_named(pid_t parent, const std::string &exe_name)
{
	std::error_code ec;
	for (const auto &e : std::filesystem::directory_iterator("/proc", ec)) {
		const std::string name = e.path().filename();
		if (name.find_first_not_of("0123456789") != std::string::npos)
			continue;
		pid_t pid = std::stoi(name);
		auto f = stat_fields(pid);
		if (f.size() > 1 && f[1] == std::to_string(parent) && runs_exe(pid, exe_name))
			return pid;
	}
	return std::nullopt;
}

double cpu_seconds(pid_t pid)
{
	auto f = stat_fields(pid);
	if (f.size() < 13)
		return 0;
	// utime and stime are fields 14 and 15.
	return static_cast<double>(std::stoull(f[11]) + std::stoull(f[12])) / sysconf(_SC_CLK_TCK);
}

BinaryForOthers::BinaryForOthers()
{
	char tmpl[] = "/tmp/xpu-perf-test-bin-XXXXXX";
	REQUIRE(mkdtemp(tmpl) != nullptr);
	dir = tmpl;
	REQUIRE(chmod(dir.c_str(), 0755) == 0);
	path = dir + "/xpu-perf";
	std::filesystem::copy_file(xpu_perf(), path);
	REQUIRE(chmod(path.c_str(), 0755) == 0);
}

BinaryForOthers::~BinaryForOthers()
{
	std::error_code ec;
	std::filesystem::remove_all(dir, ec);
}

std::string read_file(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

std::string temp_path(const std::string &name)
{
	static int counter = 0;
	return "/tmp/xpu-perf-test-" + std::to_string(getpid()) + "-" +
	       std::to_string(counter++) + "-" + name;
}

namespace {
[[noreturn]] void exec_child(const std::vector<std::string> &argv, int out, int err,
			     std::optional<uid_t> uid)
{
	int devnull = open("/dev/null", O_RDONLY);
	dup2(devnull, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	if (uid && (setgid(*uid) != 0 || setuid(*uid) != 0))
		_exit(99);
	std::vector<char *> args;
	for (const auto &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	execv(args[0], args.data());
	_exit(98);
}

int shell_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
}  // namespace

RunResult run(const std::vector<std::string> &argv, const RunOptions &opts)
{
	std::string out_path = temp_path("out"), err_path = temp_path("err");
	int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	REQUIRE(out >= 0);
	REQUIRE(err >= 0);
	auto t0 = std::chrono::steady_clock::now();
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		exec_child(argv, out, err, opts.uid);
	close(out);
	close(err);
	if (opts.signal_after_ms >= 0) {
		std::this_thread::sleep_for(std::chrono::milliseconds(opts.signal_after_ms));
		kill(pid, opts.signal);
	} else if (opts.signal_when) {
		bool seen = wait_until([&] { return opts.signal_when(pid); });
		kill(pid, seen ? opts.signal : SIGKILL);
		CHECK(seen);
	}
	int status = 0;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	RunResult r;
	r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	r.exit_code = shell_code(status);
	r.out = read_file(out_path);
	r.err = read_file(err_path);
	unlink(out_path.c_str());
	unlink(err_path.c_str());
	return r;
}

pid_t spawn(const std::vector<std::string> &argv)
{
	int null = open("/dev/null", O_WRONLY);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		exec_child(argv, null, null, std::nullopt);
	close(null);
	return pid;
}

int reap(pid_t pid)
{
	int status = 0;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	return shell_code(status);
}

uint64_t weight_if(const std::map<std::string, uint64_t> &folded,
		   const std::function<bool(const std::string &)> &pred)
{
	uint64_t w = 0;
	for (const auto &[stack, weight] : folded)
		if (pred(stack))
			w += weight;
	return w;
}

std::map<std::string, uint64_t> record_folded(const std::vector<std::string> &flags,
					      const std::vector<std::string> &cmd,
					      RunResult *result)
{
	std::string out = temp_path("record.folded");
	std::vector<std::string> argv = {xpu_perf(), "record", "-o", out};
	argv.insert(argv.end(), flags.begin(), flags.end());
	if (!cmd.empty()) {
		argv.push_back("--");
		argv.insert(argv.end(), cmd.begin(), cmd.end());
	}
	auto r = run(argv);
	INFO("stderr: " << r.err);
	REQUIRE(r.exit_code == 0);
	auto folded = parse_folded(read_file(out));
	unlink(out.c_str());
	if (result)
		*result = r;
	return folded;
}

std::map<std::string, uint64_t> parse_folded(const std::string &text)
{
	// flamegraph.pl reads each line as /^(.*)\s+?(\d+(?:\.\d*)?)$/ and the
	// stack as ';'-separated frames; we also require integer weights > 0
	// and no empty frame.
	static const std::regex line_re(R"(^(.*\S)\s+?(\d+)$)");
	std::map<std::string, uint64_t> out;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		std::smatch m;
		INFO("line: " << line);
		REQUIRE(std::regex_match(line, m, line_re));
		std::string stack = m[1];
		REQUIRE(stack.find(";;") == std::string::npos);
		REQUIRE(stack.front() != ';');
		REQUIRE(stack.back() != ';');
		uint64_t w = std::stoull(m[2]);
		REQUIRE(w > 0);
		REQUIRE(out.count(stack) == 0);  // each stack once
		out[stack] = w;
	}
	return out;
}

std::vector<std::string> split_frames(const std::string &stack)
{
	std::vector<std::string> frames;
	size_t pos = 0;
	while (true) {
		size_t end = stack.find(';', pos);
		frames.push_back(stack.substr(pos, end == std::string::npos ? end : end - pos));
		if (end == std::string::npos)
			break;
		pos = end + 1;
	}
	return frames;
}

uint64_t weight_with(const std::map<std::string, uint64_t> &folded, const std::string &frame)
{
	uint64_t w = 0;
	for (const auto &[stack, weight] : folded) {
		for (const auto &f : split_frames(stack)) {
			if (f == frame) {
				w += weight;
				break;
			}
		}
	}
	return w;
}

uint64_t total_weight(const std::map<std::string, uint64_t> &folded)
{
	uint64_t w = 0;
	for (const auto &[stack, weight] : folded)
		w += weight;
	return w;
}

}  // namespace xpu::test
