#include "session/process_launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace xpu {

namespace {

Result<std::string> check_executable(const std::string &path)
{
	struct stat st;
	if (stat(path.c_str(), &st) != 0)
		return sys_fail(ExitCode::not_found, errno, "cannot run '{}'", path);
	if (S_ISDIR(st.st_mode))
		return fail(ExitCode::not_executable, "cannot run '{}': is a directory", path);
	if (access(path.c_str(), X_OK) != 0)
		return sys_fail(ExitCode::not_executable, errno, "cannot run '{}'", path);
	return path;
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void child_main(bool stdout_to_stderr, int devnull, const char *path,
			     char *const argv[], char *const envp[], int gate, int exec_err)
{
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, nullptr);
	char go;
	if (read(gate, &go, 1) != 1)  // the profiler went away: do not run unprofiled
		_exit(1);
	close(gate);
	if (stdout_to_stderr)
		dup2(STDERR_FILENO, STDOUT_FILENO);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
	}
	execve(path, argv, envp);
	int err = errno;
	(void)!write(exec_err, &err, sizeof(err));
	_exit(err == ENOENT ? 127 : 126);
}

}  // namespace

Result<std::string> resolve_command(const std::string &name)
{
	if (name.empty())
		return fail(ExitCode::usage, "empty command");
	if (name.find('/') != std::string::npos)
		return check_executable(name);
	const char *env = std::getenv("PATH");
	std::string path = env ? env : "/usr/local/bin:/usr/bin:/bin";
	std::optional<Error> found_but_not_executable;
	size_t pos = 0;
	while (pos <= path.size()) {
		size_t end = path.find(':', pos);
		std::string dir = path.substr(pos, end == std::string::npos ? end : end - pos);
		auto r = check_executable((dir.empty() ? std::string(".") : dir) + "/" + name);
		if (r)
			return r;
		if (r.error().exit == ExitCode::not_executable && !found_but_not_executable)
			found_but_not_executable = r.error();
		if (end == std::string::npos)
			break;
		pos = end + 1;
	}
	if (found_but_not_executable)
		return std::unexpected(*found_but_not_executable);
	return fail(ExitCode::not_found, "command not found: {}", name);
}

int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

Result<HeldProcess> HeldProcess::spawn(const LaunchOptions &opts)
{
	if (opts.argv.empty())
		return fail(ExitCode::usage, "no command given");
	auto path = resolve_command(opts.argv[0]);
	if (!path)
		return std::unexpected(path.error());

	// Everything the child needs is built before fork: no malloc after it.
	std::vector<char *> argv;
	for (const auto &a : opts.argv)
		argv.push_back(const_cast<char *>(a.c_str()));
	argv.push_back(nullptr);
	std::vector<char *> envp;
	auto overridden = [&](const char *entry) {
		std::string_view e = entry;
		for (const auto &add : opts.env)
			if (e.starts_with(add.substr(0, add.find('=') + 1)))
				return true;
		return false;
	};
	for (char **e = environ; *e; e++)
		if (!overridden(*e))
			envp.push_back(*e);
	for (const auto &add : opts.env)
		envp.push_back(const_cast<char *>(add.c_str()));
	envp.push_back(nullptr);

	Fd devnull;
	if (opts.null_stdio) {
		devnull.reset(open("/dev/null", O_RDWR | O_CLOEXEC));
		if (!devnull)
			return sys_fail(ExitCode::internal, errno, "open /dev/null");
	}
	int gate[2], err[2];
	if (pipe2(gate, O_CLOEXEC) != 0)
		return sys_fail(ExitCode::internal, errno, "pipe");
	if (pipe2(err, O_CLOEXEC) != 0) {
		close(gate[0]);
		close(gate[1]);
		return sys_fail(ExitCode::internal, errno, "pipe");
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		for (int fd : {gate[0], gate[1], err[0], err[1]})
			close(fd);
		return sys_fail(ExitCode::internal, e, "fork");
	}
	if (pid == 0) {
		close(gate[1]);
		close(err[0]);
		child_main(opts.stdout_to_stderr, devnull ? devnull.get() : -1, path->c_str(),
			   argv.data(), envp.data(), gate[0], err[1]);
	}
	close(gate[0]);
	close(err[1]);
	HeldProcess p;
	p.pid_ = pid;
	p.gate_.reset(gate[1]);
	p.exec_err_.reset(err[0]);
	p.path_ = *path;
	return p;
}

HeldProcess::HeldProcess(HeldProcess &&o) noexcept
	: pid_(std::exchange(o.pid_, -1)), gate_(std::move(o.gate_)),
	  exec_err_(std::move(o.exec_err_)), path_(std::move(o.path_)), status_(o.status_)
{
}

HeldProcess::~HeldProcess()
{
	if (pid_ > 0 && gate_ && !status_) {  // never released: it must not run
		kill(pid_, SIGKILL);
		waitpid(pid_, nullptr, 0);
	}
}

Result<void> HeldProcess::release()
{
	char go = 1;
	if (write(gate_.get(), &go, 1) != 1)
		return sys_fail(ExitCode::internal, errno, "start command");
	gate_.reset();
	// Blocks only until exec: the pipe closes on success (O_CLOEXEC).
	int err = 0;
	ssize_t n;
	do
		n = read(exec_err_.get(), &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	exec_err_.reset();
	if (n == sizeof(err)) {
		wait();
		return sys_fail(err == ENOENT ? ExitCode::not_found : ExitCode::not_executable, err,
				"cannot run '{}'", path_);
	}
	return {};
}

std::optional<int> HeldProcess::try_wait()
{
	if (status_ || pid_ <= 0)
		return status_;
	int st = 0;
	if (waitpid(pid_, &st, WNOHANG) == pid_)
		status_ = st;
	return status_;
}

std::optional<int> HeldProcess::wait(int timeout_ms)
{
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
	while (!try_wait()) {
		if (timeout_ms >= 0 && std::chrono::steady_clock::now() >= deadline)
			break;
		if (timeout_ms < 0) {
			int st = 0;
			pid_t r = waitpid(pid_, &st, 0);
			if (r == pid_)
				status_ = st;
			else if (r < 0 && errno != EINTR)
				break;
			continue;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	return status_;
}

void HeldProcess::signal(int sig)
{
	if (running())
		kill(pid_, sig);
}

}  // namespace xpu
