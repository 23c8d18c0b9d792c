// End to end: real BPF in the real kernel, real processes, real symbols.
// Ground truth comes from examples/cpu_split, which measures its own
// 60/30/10 split with CLOCK_THREAD_CPUTIME_ID and prints it.
#include <signal.h>
#include <unistd.h>

#include <regex>
#include <thread>

#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace xpu::test;

namespace {

struct Truth {
	int pid = 0;
	double share[3] = {};  // burn_60, burn_30, burn_10 in percent
};

Truth parse_truth(const std::string &text)
{
	static const std::regex re(
		R"(truth pid=(\d+) burn_60=([\d.]+) burn_30=([\d.]+) burn_10=([\d.]+))");
	std::smatch m;
	INFO("output: " << text);
	REQUIRE(std::regex_search(text, m, re));
	Truth t;
	t.pid = std::stoi(m[1]);
	for (int i = 0; i < 3; i++)
		t.share[i] = std::stod(m[i + 2]);
	return t;
}

const char *kBurns[3] = {"burn_60", "burn_30", "burn_10"};

// Each burn function's share of the three, from the profile, must be within
// `tolerance` percentage points of the measured truth.
void check_shares(const std::map<std::string, uint64_t> &folded, const Truth &truth,
		  double tolerance = 5.0)
{
	double w[3], sum = 0;
	for (int i = 0; i < 3; i++)
		sum += w[i] = static_cast<double>(weight_with(folded, kBurns[i]));
	REQUIRE(sum > 0);
	for (int i = 0; i < 3; i++) {
		INFO(kBurns[i] << ": profile " << 100 * w[i] / sum << "%, truth " << truth.share[i]
			       << "%");
		CHECK(std::abs(100 * w[i] / sum - truth.share[i]) <= tolerance);
	}
}

std::string cpu_split() { return build_dir() + "/examples/cpu_split"; }

}  // namespace

TEST_CASE("record: shares match the ground truth within 5 points", "[bpf][record]")
{
	std::string out = temp_path("truth.folded");
	auto r = run({xpu_perf(), "record", "-F", "999", "-o", out, cpu_split(), "-t", "3"});
	INFO("stderr: " << r.err);
	REQUIRE(r.exit_code == 0);
	Truth truth = parse_truth(r.out);
	auto folded = parse_folded(read_file(out));
	check_shares(folded, truth);

	// The workload's stacks are complete where it matters: main calls the
	// burn functions, and nearly all samples are in them.
	CHECK(weight_with(folded, "main") >= total_weight(folded) * 9 / 10);
	uint64_t burns = 0;
	for (const char *b : kBurns)
		burns += weight_with(folded, b);
	CHECK(burns >= total_weight(folded) * 9 / 10);
	// 3 s at 999 Hz on one thread: about 3000 samples.
	CHECK(total_weight(folded) > 2000);
	CHECK(total_weight(folded) < 4000);
	// Root frame is the thread name; the summary line is on stderr.
	for (const auto &[stack, w] : folded)
		CHECK(split_frames(stack).front() == "cpu_split");
	CHECK_THAT(r.err, Catch::Contains("samples,"));
	CHECK_THAT(r.err, Catch::Contains("stopped: target exited"));
	unlink(out.c_str());
}

TEST_CASE("record: work done in a forked child is attributed", "[bpf][record]")
{
	std::string out = temp_path("fork.folded");
	auto r = run({xpu_perf(), "record", "-F", "999", "--pid-prefix", "-o", out, cpu_split(),
		      "-f", "-t", "2"});
	INFO("stderr: " << r.err);
	REQUIRE(r.exit_code == 0);
	Truth truth = parse_truth(r.out);  // printed by the child, with its pid
	auto folded = parse_folded(read_file(out));
	std::map<std::string, uint64_t> child;
	for (const auto &[stack, w] : folded) {
		if (split_frames(stack).front() == "cpu_split-" + std::to_string(truth.pid))
			child[stack] = w;
	}
	REQUIRE(total_weight(child) > 1000);
	check_shares(child, truth);
	unlink(out.c_str());
}

TEST_CASE("record -p attaches to a running process", "[bpf][record]")
{
	pid_t pid = spawn({cpu_split(), "-t", "4"});
	REQUIRE(wait_until([&] { return runs_exe(pid, "cpu_split"); }));  // exec'd: its stacks are cpu_split's
	std::string out = temp_path("attach.folded");
	auto r = run({xpu_perf(), "record", "-F", "499", "-p", std::to_string(pid), "--duration",
		      "2", "-o", out});
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 0);
	CHECK_THAT(r.err, Catch::Contains("stopped: duration"));
	CHECK(reap(pid) == 0);  // attached, not killed
	auto folded = parse_folded(read_file(out));
	// 2 s at 499 Hz: about 1000 samples; the split is the cpu_split one.
	CHECK(total_weight(folded) > 700);
	CHECK(total_weight(folded) < 1300);
	CHECK(weight_with(folded, "burn_60") > weight_with(folded, "burn_30"));
	CHECK(weight_with(folded, "burn_30") > weight_with(folded, "burn_10"));
	unlink(out.c_str());
}

TEST_CASE("record -a sees the workload among everything else", "[bpf][record]")
{
	pid_t pid = spawn({cpu_split(), "-t", "3"});
	REQUIRE(wait_until([&] { return runs_exe(pid, "cpu_split"); }));
	std::string out = temp_path("all.folded");
	// Not 99 Hz: cpu_split's 10 ms rounds would alias with a 10.1 ms
	// sampling period and make a 1.5 s share swing by +-15 points.
	auto r = run({xpu_perf(), "record", "-a", "-F", "499", "--duration", "1500ms", "-o", out});
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 0);
	reap(pid);
	auto folded = parse_folded(read_file(out));
	CHECK(weight_with(folded, "burn_60") > 300);  // ~450 expected
	CHECK(weight_with(folded, "burn_60") < total_weight(folded));
	unlink(out.c_str());
}

TEST_CASE("record --duration stops on time and ends the command", "[bpf][record]")
{
	std::string out = temp_path("duration.folded");
	auto r = run({xpu_perf(), "record", "--duration", "1", "-o", out, "--", cpu_split(), "-t",
		      "30"});
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 0);
	CHECK(r.seconds < 20);  // not the command's 30 s
	CHECK_THAT(r.err, Catch::Contains("stopped: duration"));
	auto folded = parse_folded(read_file(out));
	CHECK(total_weight(folded) > 50);  // ~99 samples in 1 s
	unlink(out.c_str());
}

TEST_CASE("record: Ctrl-C still writes the whole profile", "[bpf][record]")
{
	std::string out = temp_path("sigint.folded");
	RunOptions opts;
	// Once the workload has burnt a second of CPU under the profiler (not
	// after a fixed sleep: on a loaded machine it may not have started).
	opts.signal_when = [](pid_t xpu) {
		auto child = child_named(xpu, "cpu_split");
		return child && cpu_seconds(*child) >= 1.0;
	};
	opts.signal = SIGINT;  // to xpu-perf only, as `kill -INT` would
	// 733 Hz: at 99 Hz the sampling period (10.1 ms) nearly equals
	// cpu_split's 10 ms round, and a second's samples see a biased part of
	// the round; 733 Hz spreads them over 22 phases.
	auto r = run({xpu_perf(), "record", "-F", "733", "-o", out, cpu_split(), "-t", "30"}, opts);
	INFO("stderr: " << r.err);
	CHECK(r.exit_code == 128 + SIGINT);
	CHECK_THAT(r.err, Catch::Contains("stopped: SIGINT"));
	CHECK(r.seconds < 20);  // not the command's 30 s
	// Whole: the samples up to the signal, in cpu_split's proportions (60%
	// in burn_60); how many there are depends on how soon it started.
	auto folded = parse_folded(read_file(out));
	uint64_t total = weight_with(folded, "cpu_split");
	CHECK(total > 200);
	CHECK(weight_with(folded, "burn_60") > total * 45 / 100);
	unlink(out.c_str());
}

TEST_CASE("record -o - keeps stdout for the profile alone", "[bpf][record]")
{
	auto r = run({xpu_perf(), "record", "-o", "-", cpu_split(), "-t", "1"});
	INFO("stderr: " << r.err);
	REQUIRE(r.exit_code == 0);
	auto folded = parse_folded(r.out);  // every stdout line is a folded stack
	CHECK(weight_with(folded, "burn_60") > 0);
	parse_truth(r.err);  // the command's own stdout went to stderr
}

TEST_CASE("record propagates the command's exit status", "[bpf][record]")
{
	std::string out = temp_path("status.folded");
	auto r = run({xpu_perf(), "record", "-o", out, "/bin/sh", "-c", "exit 3"});
	CHECK(r.exit_code == 3);
	CHECK_THAT(r.err, Catch::Contains("the command exited with status 3"));
	CHECK(access(out.c_str(), F_OK) == 0);  // the profile is written anyway
	unlink(out.c_str());
}

TEST_CASE("record -U and -K keep only user or only kernel frames", "[bpf][record]")
{
	// dd spends its time in the kernel (read/write syscalls), so both kinds
	// of frames are there to be filtered.
	std::vector<std::string> dd = {"/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=4k",
				       "count=400000"};
	for (const std::string mode : {"-U", "-K"}) {
		std::string out = temp_path("mode.folded");
		std::vector<std::string> argv = {xpu_perf(), "record", "-F", "999", mode, "-o", out};
		argv.insert(argv.end(), dd.begin(), dd.end());
		auto r = run(argv);
		INFO(mode << " stderr: " << r.err);
		REQUIRE(r.exit_code == 0);
		auto folded = parse_folded(read_file(out));
		REQUIRE(total_weight(folded) > 0);
		size_t kernel = 0, user = 0;
		for (const auto &[stack, w] : folded) {
			auto frames = split_frames(stack);
			for (size_t i = 1; i < frames.size(); i++) {
				if (frames[i].starts_with("[off-cpu:"))
					continue;  // a marker, neither user nor kernel
				(frames[i].ends_with("_[k]") ? kernel : user) += w;
			}
		}
		if (mode == "-U") {
			CHECK(kernel == 0);
			CHECK(user > 0);
		} else {
			CHECK(user == 0);
			CHECK(kernel > 0);
		}
		unlink(out.c_str());
	}
}
